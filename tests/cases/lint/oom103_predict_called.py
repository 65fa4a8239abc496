# predict() gathers predictions even without compute_metrics.
from transformers import Trainer, TrainingArguments

trainer = Trainer(model=model, args=TrainingArguments(output_dir="o"))  # expect: OOM103
preds = trainer.predict(test_dataset)
