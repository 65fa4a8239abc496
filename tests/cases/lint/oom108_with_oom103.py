# Both rules: no accumulation keeps the logits on the GPU (OOM103), and accumulation alone
# would only move the full LM logits to host RAM (OOM108).
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="steps")  # expect: OOM103
Trainer(model, args, compute_metrics=acc)  # expect: OOM108
