# The arguments through the package's re-export.
from transformers import Seq2SeqTrainer

from pkg import seq_args


def run(model, ds, metrics):
    return Seq2SeqTrainer(model=model, args=seq_args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM103
