# Clean: the other script of the README's name (see a/train_ctc.py); an older copy that also
# evaluates with compute_metrics, so whichever copy a command line were tied to would be flagged.
import sys

import transformers


def wer(eval_pred):
    return {"wer": float(len(eval_pred.label_ids))}


if __name__ == "__main__":
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    (targs,) = parser.parse_args_into_dataclasses(sys.argv[1:])
    net = transformers.AutoModelForCTC.from_pretrained("facebook/wav2vec2-base")
    transformers.Trainer(net, args=targs, compute_metrics=wer).train()
