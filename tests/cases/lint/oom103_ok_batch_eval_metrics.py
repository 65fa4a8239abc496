# Clean: batch_eval_metrics and prediction_loss_only both bound memory.
from transformers import Trainer, TrainingArguments

a1 = TrainingArguments(output_dir="o", eval_strategy="steps", batch_eval_metrics=True)
t1 = Trainer(model=model, args=a1, compute_metrics=metrics)
a2 = TrainingArguments(output_dir="o", do_eval=True, prediction_loss_only=True)
t2 = Trainer(model=model, args=a2, compute_metrics=metrics)
