from vlm.models.tower import Tower


class BaseModel:
    tower = Tower
