# Clean: without compute_metrics the Trainer evaluates the loss only.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="steps")
Trainer(model, args, eval_dataset=ds).train()
