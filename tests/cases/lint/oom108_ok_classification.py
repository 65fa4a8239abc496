# Clean: a classification head keeps batch x labels logits (OOM103's concern, not this one).
from transformers import AutoModelForSequenceClassification, Trainer, TrainingArguments

model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
args = TrainingArguments("out", eval_strategy="epoch", eval_accumulation_steps=8)
Trainer(model, args, compute_metrics=acc)
