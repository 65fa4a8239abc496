# The enable under the imported Trainer arguments' own switch is superseded by the Trainer's
# (it enables checkpointing again with their kwargs); under a plain namespace it is not.
from accelerate import Accelerator
from transformers import Trainer

from settings import flags, train_args

accelerator = Accelerator()


def build(model):
    if train_args.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    return Trainer(model=model, args=train_args)


def build_plain(model):
    if flags.gradient_checkpointing:
        model.gradient_checkpointing_enable()  # expect: OOM104
    return model
