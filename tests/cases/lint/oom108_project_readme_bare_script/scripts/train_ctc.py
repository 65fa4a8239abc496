# The README at the project root documents this script by its bare name (it runs from
# scripts/): its command line turns evaluation on.
from transformers import HfArgumentParser, Trainer, TrainingArguments, Wav2Vec2ForCTC


def metrics(pred):
    return {"n": len(pred.predictions)}


def main():
    (args,) = HfArgumentParser((TrainingArguments,)).parse_args_into_dataclasses()
    model = Wav2Vec2ForCTC.from_pretrained("facebook/wav2vec2-base")
    Trainer(model, args=args, compute_metrics=metrics).train()  # expect: OOM108


if __name__ == "__main__":
    main()
