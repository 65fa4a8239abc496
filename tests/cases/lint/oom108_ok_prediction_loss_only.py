# Clean: only the loss is kept.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="steps", prediction_loss_only=True)
Trainer(model, args, compute_metrics=acc)
