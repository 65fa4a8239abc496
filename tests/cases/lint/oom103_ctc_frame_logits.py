# CTC frame logits are large (frames x vocabulary per utterance), even beside a classifier.
from transformers import (Trainer, TrainingArguments, Wav2Vec2ForCTC,
                          Wav2Vec2ForSequenceClassification)

model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base")
probe = Wav2Vec2ForSequenceClassification
args = TrainingArguments(output_dir="o", eval_strategy="steps")  # expect: OOM103
Trainer(model=model, args=args, compute_metrics=lambda p: {}).train()  # expect: OOM108
