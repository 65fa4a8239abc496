from accelerate import Accelerator

from lib import Net

accelerator = Accelerator()
model = accelerator.prepare(Net())
