# Clean: Accelerate with DeepSpeed/FSDP plugins is not DDP; commented-out DDP does not count.
from accelerate import Accelerator, DeepSpeedPlugin
from torch.utils.checkpoint import checkpoint

# model = DistributedDataParallel(model)
accelerator = Accelerator(deepspeed_plugin=DeepSpeedPlugin(zero_stage=3))
y = checkpoint(block, x)
model.gradient_checkpointing_enable()
