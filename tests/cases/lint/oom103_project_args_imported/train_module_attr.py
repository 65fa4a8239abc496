# The settings module imported whole, its arguments passed positionally.
import config
from transformers import Trainer


def main(model, ds, metrics):
    trainer = Trainer(model, config.training_args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM103
    trainer.train()
