# Clean: batch_eval_metrics computes the metrics batch by batch.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="steps", batch_eval_metrics=True)
Trainer(model, args, compute_metrics=running_acc)
