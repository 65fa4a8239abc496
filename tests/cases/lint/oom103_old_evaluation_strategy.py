# The older evaluation_strategy spelling, positional args.
import transformers

training_args = transformers.TrainingArguments("out", evaluation_strategy="epoch")  # expect: OOM103
trainer = transformers.Trainer(model, training_args, eval_dataset=ds, compute_metrics=metric_fn)
trainer.train()
