# The LM is wrapped by get_peft_model; the Trainer still gets its full logits.
from peft import get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

base = AutoModelForCausalLM.from_pretrained("llama")
model = get_peft_model(base, lora_config)
args = TrainingArguments("out", evaluation_strategy="epoch", eval_accumulation_steps=1)
Trainer(model, args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM108
