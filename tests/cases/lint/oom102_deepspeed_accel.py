# DeepSpeed's accelerator abstraction, every step.
from deepspeed.accelerator import get_accelerator

for step, batch in enumerate(loader):
    loss = engine(batch)
    engine.backward(loss)
    engine.step()
    get_accelerator().empty_cache()  # expect: OOM102
