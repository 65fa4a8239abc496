# A CTC speech model's logits are per audio frame over the character vocabulary: compute_metrics
# gets all of them, for every clip of the eval set.
import numpy as np
from transformers import Trainer, TrainingArguments, Wav2Vec2ForCTC


def wer_of(pred):
    ids = np.argmax(pred.predictions, axis=-1)
    return {"n": len(ids)}


model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base", vocab_size=40)
args = TrainingArguments("out", eval_strategy="steps", eval_steps=500)
Trainer(model, args, eval_dataset=None, compute_metrics=wer_of)  # expect: OOM108
