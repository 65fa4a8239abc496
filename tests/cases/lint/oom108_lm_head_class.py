# A model built from an LMHead class.
from transformers import GPT2LMHeadModel, Trainer, TrainingArguments

net = GPT2LMHeadModel(config)
trainer = Trainer(net, TrainingArguments("o", do_eval=True), compute_metrics=ppl)  # expect: OOM108
