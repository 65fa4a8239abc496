# Clean: preprocess_logits_for_metrics is set as an attribute.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
trainer = Trainer(model, TrainingArguments("o", do_eval=True), compute_metrics=acc)
trainer.preprocess_logits_for_metrics = lambda logits, labels: logits.argmax(-1)
