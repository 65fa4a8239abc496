# Seq2seq without predict_with_generate: compute_metrics gets the decoder logits.
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments("out", do_eval=True, eval_strategy="steps")
trainer = Seq2SeqTrainer(model=model, args=args, compute_metrics=rouge)  # expect: OOM108
