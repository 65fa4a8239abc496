# The arguments come from the settings module; evaluation runs with compute_metrics.
from transformers import Trainer

from config import training_args


def main(model, ds, metrics):
    trainer = Trainer(model=model, args=training_args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM103
    trainer.train()
