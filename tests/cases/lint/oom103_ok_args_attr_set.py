# Clean: eval_accumulation_steps set on the arguments object after construction.
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", eval_strategy="epoch")
args.eval_accumulation_steps = 4
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
