# A finding whose line ends inside a string is silenced by a noqa comment where the string ends
# (as ruff reads it); a noqa text inside the string on a later line does not count.
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="""out
""", eval_strategy="steps")  # noqa: OOM103
trainer = Trainer(model=model, args=args, compute_metrics=metrics)

args2 = TrainingArguments(  # expect: OOM103
    output_dir="""out
# noqa: OOM103
""", eval_strategy="steps")
trainer2 = Trainer(model=model, args=args2, compute_metrics=metrics)
