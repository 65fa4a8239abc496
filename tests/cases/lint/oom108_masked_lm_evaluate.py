# A masked LM evaluated explicitly with compute_metrics.
from transformers import AutoModelForMaskedLM, Trainer

mlm = AutoModelForMaskedLM.from_pretrained("bert-base-uncased")
t = Trainer(model=mlm, eval_dataset=ds, compute_metrics=masked_accuracy)  # expect: OOM108
print(t.evaluate())
