# Clean: a RuntimeError handler that is not about memory.
def load(model, path, load_state):
    try:
        load_state(model, path, strict=True)
    except RuntimeError:
        load_state(model, path, strict=False)
