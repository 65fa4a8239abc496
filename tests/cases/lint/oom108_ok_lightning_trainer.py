# Clean: Lightning's Trainer is not the Hugging Face one.
from lightning import Trainer
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("gpt2")
Trainer(max_epochs=1, compute_metrics=None).fit(model)
