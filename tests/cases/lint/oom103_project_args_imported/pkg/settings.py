# Seq2seq arguments that turn evaluation on with do_eval.
from transformers import Seq2SeqTrainingArguments

seq_args = Seq2SeqTrainingArguments(output_dir="out", do_eval=True)
