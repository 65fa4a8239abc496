# Clean: the only command line trains; nothing turns evaluation or prediction on, so the
# predict() behind --do_predict never runs.
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments

if __name__ == "__main__":
    (training_args,) = HfArgumentParser(TrainingArguments).parse_args_into_dataclasses()
    trainer = Trainer(model=AutoModelForCausalLM.from_pretrained("gpt2"), args=training_args)
    trainer.train()
    if training_args.do_predict:
        trainer.predict(load("test"))
