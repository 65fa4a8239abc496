# Clean: predict_with_generate keeps generated ids, not logits.
from transformers import AutoModelForSeq2SeqLM, Seq2SeqTrainer, Seq2SeqTrainingArguments

model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
args = Seq2SeqTrainingArguments("out", eval_strategy="steps", predict_with_generate=True)
Seq2SeqTrainer(model=model, args=args, compute_metrics=rouge)
