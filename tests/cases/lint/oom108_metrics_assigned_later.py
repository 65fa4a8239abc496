# compute_metrics set as an attribute after the Trainer is built.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
trainer = Trainer(model=model, args=TrainingArguments("o", eval_strategy="steps"))  # expect: OOM108
trainer.compute_metrics = perplexity
trainer.train()
