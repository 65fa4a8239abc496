# HF Trainer launched multi-process by torchrun in run.sh.
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
model.gradient_checkpointing_enable()  # expect: OOM104
