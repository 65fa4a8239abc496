# TRL's configs are TrainingArguments; compute_metrics assigned after construction (the plain
# "nll" loss keeps the model's logits).
from trl import SFTConfig, SFTTrainer

cfg = SFTConfig(output_dir="sft", loss_type="nll", eval_strategy="steps")  # expect: OOM103
trainer = SFTTrainer(model=model, args=cfg, train_dataset=ds, eval_dataset=ev)
trainer.compute_metrics = token_accuracy
trainer.train()
