# Clean: compute_metrics is passed but evaluation never runs (strategy "no", no evaluate()).
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", eval_strategy="no")
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
trainer.train()
