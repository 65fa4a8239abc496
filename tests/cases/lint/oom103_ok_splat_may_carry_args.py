# Clean: a splat that carries (or may carry) what the evaluation depends on, such as
# preprocess_logits_for_metrics, leaves the call unreadable: nothing is reported.
from transformers import Trainer, TrainingArguments


def pieces(cfg):
    return {"preprocess_logits_for_metrics": argmax_ids, "eval_dataset": cfg.dev}


def unknown(cfg):
    return cfg.trainer_kwargs


args = TrainingArguments("out", eval_strategy="epoch")
Trainer(model=model, args=args, compute_metrics=perplexity, **pieces(cfg))
Trainer(model=model, args=args, compute_metrics=perplexity, **unknown(cfg))
Trainer(model=model, args=args, compute_metrics=perplexity, **{k: v for k, v in cfg.items()})
