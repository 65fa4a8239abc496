# The script imports the subclass from the project: it is a Hugging Face Trainer.
from transformers import TrainingArguments

from qa_trainer import SpanTrainer


def main(model, ds, metrics):
    args = TrainingArguments(output_dir="o", eval_strategy="steps")  # expect: OOM103
    trainer = SpanTrainer(model=model, args=args, eval_dataset=ds, compute_metrics=metrics)
    trainer.train()


if __name__ == "__main__":
    main(None, None, None)
