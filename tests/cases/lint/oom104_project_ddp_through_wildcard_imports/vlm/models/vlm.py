class Vlm:
    pass
