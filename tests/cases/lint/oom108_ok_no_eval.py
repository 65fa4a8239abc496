# Clean: evaluation never runs.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="no")
Trainer(model, args, compute_metrics=acc).train()
