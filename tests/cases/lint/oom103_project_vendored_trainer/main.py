# A subclass of the vendored copy, two modules away.
from transformers import Seq2SeqTrainingArguments

from seq2seq import GenTrainer

args = Seq2SeqTrainingArguments(output_dir="o", do_eval=True)  # expect: OOM103
trainer = GenTrainer(model=None, args=args, compute_metrics=lambda p: {})
trainer.train()
