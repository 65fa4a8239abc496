# Imported under another name; predict() gathers even without compute_metrics.
from transformers import Trainer

from config import training_args as targs


def main(model, ds):
    trainer = Trainer(model=model, args=targs, eval_dataset=ds)  # expect: OOM103
    trainer.train()
    trainer.predict(ds)
