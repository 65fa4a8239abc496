# The project's settings module builds the Trainer's arguments once, at import time.
from transformers import TrainingArguments

BASE = "runs"

training_args = TrainingArguments(
    output_dir=BASE,
    eval_strategy="steps",
    per_device_eval_batch_size=8,
)
