# No args at all (defaults), but evaluate() runs with compute_metrics set.
from transformers import Trainer

trainer = Trainer(model=model, train_dataset=ds, eval_dataset=ev, compute_metrics=acc)  # expect: OOM103
trainer.train()
print(trainer.evaluate())
