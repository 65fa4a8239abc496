# A causal LM with compute_metrics: eval_accumulation_steps moves the logits to the host,
# where the full batch x seq_len x vocab tensors still pile up.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("out", eval_strategy="steps", eval_accumulation_steps=4)
trainer = Trainer(
    model=model,
    args=args,
    eval_dataset=eval_ds,
    compute_metrics=token_accuracy,  # expect: OOM108
)
trainer.train()
