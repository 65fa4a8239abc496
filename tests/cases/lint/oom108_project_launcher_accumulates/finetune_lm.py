# The launcher turns evaluation on and moves logits to the host; compute_metrics still gets the
# full causal-LM logits of the whole eval set.
from transformers import AutoModelForCausalLM, HfArgumentParser, Trainer, TrainingArguments


def metrics(pred):
    return {"n": len(pred.predictions)}


def main():
    (args,) = HfArgumentParser((TrainingArguments,)).parse_args_into_dataclasses()
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    Trainer(model, args=args, compute_metrics=metrics).evaluate()  # expect: OOM108


main()
