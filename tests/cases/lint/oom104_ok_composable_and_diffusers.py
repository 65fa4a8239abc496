# Clean: torch.distributed._composable.checkpoint and diffusers' enable_gradient_checkpointing().
from diffusers import UNet2DConditionModel
from torch.distributed._composable import checkpoint
from torch.nn.parallel import DistributedDataParallel as DDP

checkpoint(model.layer1)
unet = UNet2DConditionModel.from_pretrained("sd")
unet.enable_gradient_checkpointing()
model = DDP(model)
