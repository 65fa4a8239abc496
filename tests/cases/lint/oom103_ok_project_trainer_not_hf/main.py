# A project class named *Trainer that neither subclasses nor copies Hugging Face's.
from transformers import TrainingArguments

from rl_trainer import RolloutTrainer

args = TrainingArguments(output_dir="o", eval_strategy="steps")
trainer = RolloutTrainer(model=None, args=args, compute_metrics=lambda p: {})
trainer.evaluate()
