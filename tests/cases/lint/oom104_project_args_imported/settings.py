# The Trainer's arguments and a plain namespace, both built at import time.
import argparse

from transformers import TrainingArguments

train_args = TrainingArguments(
    output_dir="o",
    gradient_checkpointing=True,
    gradient_checkpointing_kwargs={"use_reentrant": False},
)
flags = argparse.Namespace(gradient_checkpointing=True)
