# Large CTC logits, but evaluation moves them off the GPU every 8 steps (OOM108 still: host
# RAM then holds them all).
from transformers import Trainer, TrainingArguments, Wav2Vec2ForCTC

model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base")
args = TrainingArguments(output_dir="o", eval_strategy="steps", eval_accumulation_steps=8)
Trainer(model=model, args=args, compute_metrics=lambda p: {}).train()  # expect: OOM108
