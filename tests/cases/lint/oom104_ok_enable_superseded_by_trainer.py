# Clean: checkpointing enabled only when the Trainer's own arguments turn it on. The Trainer
# enables it again in train(), with args.gradient_checkpointing_kwargs, before it wraps the
# model in DDP: that later call decides (and OOM104 reports the arguments if they leave the
# kwargs out).
from accelerate import Accelerator
from transformers import Trainer, TrainingArguments

accelerator = Accelerator()


def prepare(model, args: TrainingArguments):
    if args.gradient_checkpointing and not args.fp16:
        model.gradient_checkpointing_enable()
    return model


def turn_on(model):
    model.gradient_checkpointing_enable()
    return model


def build(model, args: TrainingArguments | None):
    if args.gradient_checkpointing:
        model = turn_on(model)
    return Trainer(model=prepare(model, args), args=args)
