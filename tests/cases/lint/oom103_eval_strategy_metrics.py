# Evaluation every N steps with compute_metrics and nothing that bounds the logits.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments(  # expect: OOM103
    output_dir="out",
    eval_strategy="steps",
    eval_steps=500,
    per_device_eval_batch_size=8,
)
trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                  compute_metrics=compute_metrics)
trainer.train()
