# Another model's encoder is frozen; the text encoder that checkpoints still trains.
from accelerate import Accelerator

accelerator = Accelerator()
vision_model.encoder.requires_grad_(False)
text_encoder.encoder.requires_grad_(True)
text_encoder.gradient_checkpointing_enable()  # expect: OOM104
