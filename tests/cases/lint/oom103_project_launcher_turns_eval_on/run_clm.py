from dataclasses import dataclass, field

from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="gpt2")


def compute_metrics(eval_pred):
    return {}


def main():
    parser = HfArgumentParser((ModelArguments, TrainingArguments))
    model_args, training_args = parser.parse_args_into_dataclasses()
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path)
    trainer = Trainer(model, args=training_args, compute_metrics=compute_metrics)  # expect: OOM103
    trainer.train()
    if training_args.do_eval:
        trainer.evaluate()


if __name__ == "__main__":
    main()
