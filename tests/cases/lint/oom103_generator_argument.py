# A generator as the only argument: no keyword argument can follow it, so no fix is offered
# (inserting ", eval_accumulation_steps=16" after it would be a SyntaxError).
from transformers import Trainer, TrainingArguments

args = TrainingArguments(x for x in cfg)  # expect: OOM103
trainer = Trainer(model=model, args=args, compute_metrics=compute_metrics)
trainer.evaluate()
