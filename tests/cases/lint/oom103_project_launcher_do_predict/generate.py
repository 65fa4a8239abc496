# The command line that runs this script passes --do_predict: predict() gathers every
# prediction (the data items splat carries no argument the evaluation reads).
from dataclasses import dataclass, field

from transformers import AutoModelForCausalLM, HfArgumentParser, Seq2SeqTrainer, TrainingArguments


@dataclass
class DataArguments:
    dataset: str = field(default="alpaca")


def make_data(args):
    return dict(train_dataset=load(args.dataset), eval_dataset=None, predict_dataset=load("test"))


def main():
    parser = HfArgumentParser((DataArguments, TrainingArguments))
    data_args, training_args = parser.parse_args_into_dataclasses()
    data = make_data(data_args)
    trainer = Seq2SeqTrainer(  # expect: OOM103
        model=AutoModelForCausalLM.from_pretrained("gpt2"),
        args=training_args,
        **{k: v for k, v in data.items() if k != "predict_dataset"},
    )
    if training_args.do_train:
        trainer.train()
    if training_args.do_predict:
        trainer.predict(data["predict_dataset"])


if __name__ == "__main__":
    main()
