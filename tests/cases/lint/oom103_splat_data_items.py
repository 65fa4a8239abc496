# A `**` splat whose keys are known (data sets and a collator, built by a function of this file
# and filtered by a comprehension) carries nothing the evaluation depends on: the call is read.
from transformers import Trainer, TrainingArguments


def make_data(tok, split_eval):
    if split_eval:
        return dict(train_dataset=load("train"), eval_dataset=load("dev"), predict_dataset=None)
    return {"train_dataset": load("train"), "eval_dataset": None, "predict_dataset": None}


data = make_data(tokenizer, True)
args = TrainingArguments("out", eval_strategy="epoch")  # expect: OOM103
trainer = Trainer(
    model=model,
    args=args,
    compute_metrics=perplexity,
    **{k: v for k, v in data.items() if k != "predict_dataset"},
)
