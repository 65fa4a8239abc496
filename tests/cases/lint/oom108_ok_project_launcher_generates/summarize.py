# Clean: the launcher passes --predict_with_generate, so generated ids are kept, not logits.
from transformers import (AutoModelForSeq2SeqLM, HfArgumentParser, Seq2SeqTrainer,
                          Seq2SeqTrainingArguments)


def main():
    (args,) = HfArgumentParser((Seq2SeqTrainingArguments,)).parse_args_into_dataclasses()
    model = AutoModelForSeq2SeqLM.from_pretrained("t5-small")
    Seq2SeqTrainer(model=model, args=args, compute_metrics=rouge).evaluate()


main()
