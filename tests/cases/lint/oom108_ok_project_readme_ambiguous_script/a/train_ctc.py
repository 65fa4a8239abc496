# Clean: two project scripts share the name the README gives (this one and b/train_ctc.py),
# so its command line cannot be tied to this one; nothing else turns evaluation on.
from transformers import HfArgumentParser, Trainer, TrainingArguments, Wav2Vec2ForCTC


def metrics(pred):
    return {"n": len(pred.predictions)}


def main():
    (args,) = HfArgumentParser((TrainingArguments,)).parse_args_into_dataclasses()
    model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base")
    Trainer(model, args=args, compute_metrics=metrics).train()


if __name__ == "__main__":
    main()
