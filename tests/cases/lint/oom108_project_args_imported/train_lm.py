# A causal language model evaluated with compute_metrics on arguments built in lm_config.py.
from transformers import AutoModelForCausalLM, Trainer

from lm_config import lm_args, reduced_args


def main(ds, metrics):
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    Trainer(model=model, args=lm_args, eval_dataset=ds, compute_metrics=metrics).train()  # expect: OOM108
    Trainer(model=model, args=reduced_args, eval_dataset=ds, compute_metrics=metrics).train()
