# Clean: without compute_metrics the Trainer evaluates with prediction_loss_only.
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", eval_strategy="steps", eval_steps=100)
trainer = Trainer(model=model, args=args, eval_dataset=eval_ds)
trainer.train()
trainer.evaluate()
