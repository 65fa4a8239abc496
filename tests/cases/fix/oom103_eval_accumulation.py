# Safe: evaluation that keeps every prediction on the GPU gets eval_accumulation_steps.
from transformers import Trainer, TrainingArguments

args = TrainingArguments(
    output_dir="out",
    eval_strategy="steps",
)
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
