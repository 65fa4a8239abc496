# Each Trainer is given arguments built in settings.py; none gathers predictions on the GPU
# that this file can tell.
from transformers import Trainer

import settings
from settings import (
    accumulating,
    make_args,
    mitigated_there,
    no_eval,
    only_as_script,
    rebound_here,
    set_later,
    turned_off_later,
    twice,
)


def accumulates(model, ds, metrics):
    Trainer(model=model, args=accumulating, eval_dataset=ds, compute_metrics=metrics).train()


def evaluation_off(model, ds, metrics):
    Trainer(model=model, args=no_eval, eval_dataset=ds, compute_metrics=metrics).train()


def mitigated_after_building(model, ds, metrics):
    Trainer(model, settings.set_later, eval_dataset=ds, compute_metrics=metrics).train()
    Trainer(model, set_later, eval_dataset=ds, compute_metrics=metrics).train()


def strategy_reassigned(model, ds, metrics):
    Trainer(model=model, args=turned_off_later, eval_dataset=ds, compute_metrics=metrics).train()


def bound_twice(model, ds, metrics):
    Trainer(model=model, args=twice, eval_dataset=ds, compute_metrics=metrics).train()


def from_a_factory(model, ds, metrics):
    args = make_args()
    Trainer(model=model, args=args, eval_dataset=ds, compute_metrics=metrics).train()


def not_bound_on_import(model, ds, metrics):
    Trainer(model=model, args=only_as_script, eval_dataset=ds, compute_metrics=metrics).train()


def no_predictions_gathered(model, ds):
    Trainer(model=model, args=settings.rebound_here, eval_dataset=ds).train()


mitigated_there.eval_accumulation_steps = 4


def mitigated_in_this_file(model, ds, metrics):
    Trainer(model=model, args=mitigated_there, eval_dataset=ds, compute_metrics=metrics).train()


def rebound(model, ds, metrics):
    Trainer(model=model, args=rebound_here, eval_dataset=ds, compute_metrics=metrics).train()


rebound_here = None
