# A module of the package reaching the arguments through a relative import.
from transformers import Seq2SeqTrainer

from .settings import seq_args


def run(model, ds, metrics):
    return Seq2SeqTrainer(model=model, args=seq_args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM103
