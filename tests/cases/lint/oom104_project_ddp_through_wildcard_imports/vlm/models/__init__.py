from vlm.models.vlm import Vlm
from vlm.models.base import BaseModel
