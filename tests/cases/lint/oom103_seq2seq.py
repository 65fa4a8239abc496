# Seq2SeqTrainingArguments and Seq2SeqTrainer are covered too.
from transformers import Seq2SeqTrainer, Seq2SeqTrainingArguments

args = Seq2SeqTrainingArguments(output_dir="o", do_eval=True, predict_with_generate=False)  # expect: OOM103
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=rouge)
trainer.train()
