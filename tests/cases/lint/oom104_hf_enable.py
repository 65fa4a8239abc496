# transformers' gradient_checkpointing_enable() without kwargs, launched with Accelerate.
from accelerate import Accelerator
from transformers import AutoModelForCausalLM

accelerator = Accelerator()
model = AutoModelForCausalLM.from_pretrained("gpt2")
model.gradient_checkpointing_enable()  # expect: OOM104
model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=None)  # expect: OOM104
