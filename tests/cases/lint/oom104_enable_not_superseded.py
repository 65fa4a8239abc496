# Not the Trainer's arguments (an argparse namespace, a plain flag), or a helper also called
# without the guard: the kwarg-less enable is what training runs with.
import argparse

from accelerate import Accelerator
from transformers import TrainingArguments

accelerator = Accelerator()
cli = argparse.ArgumentParser().parse_args()


def turn_on(model):
    model.gradient_checkpointing_enable()  # expect: OOM104
    return model


def prepare(model, args: TrainingArguments, use_gc):
    if cli.gradient_checkpointing:
        model.gradient_checkpointing_enable()  # expect: OOM104
    if use_gc:
        model = turn_on(model)
    if args.gradient_checkpointing:
        model = turn_on(model)
    return model
