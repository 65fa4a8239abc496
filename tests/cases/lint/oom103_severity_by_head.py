# Severity follows the head: a sequence-classification model's logits are small (info).
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
args = TrainingArguments(output_dir="o", eval_strategy="epoch")  # expect: OOM103
Trainer(model=model, args=args, compute_metrics=lambda p: {}).train()
