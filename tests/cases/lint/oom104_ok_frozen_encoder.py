# Textual inversion: only the token embedding trains; the checkpointed encoder layers are frozen,
# so DDP's hooks never fire inside their recomputation.
from accelerate import Accelerator

accelerator = Accelerator()
text_module = text_encoder.text_model if hasattr(text_encoder, "text_model") else text_encoder
text_module.encoder.requires_grad_(False)
text_module.final_layer_norm.requires_grad_(False)
text_encoder.gradient_checkpointing_enable()
