# A notebook exported without its import cell: the bare names with Hugging Face keywords are
# transformers' TrainingArguments and Trainer.
args = TrainingArguments(output_dir="out", evaluation_strategy="epoch")  # expect: OOM103
trainer = Trainer(model=model, args=args, eval_dataset=ds, compute_metrics=metrics)
trainer.train()
