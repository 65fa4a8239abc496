"""Single-GPU diffusion training.

A multi-GPU run would wrap the model as DistributedDataParallel(model) or build an
Accelerator(); this script does neither.
"""
from diffusers import DDPMScheduler

from model import Net

scheduler = "ddpm"
config = {"model_type": "ddpm", "note": 'see DistributedDataParallel(m) in the docs'}
model = Net().cuda()
noise_scheduler = DDPMScheduler(num_train_timesteps=1000)
print(f"no DDP here: {config['model_type']!r} (DistributedDataParallel( is not used)")
# model = DistributedDataParallel(model)
