# An accelerate-style evaluation: enumerate over the eval dataloader, no no_grad.
def evaluate(model, eval_dataloader, metric, accelerator):
    model.eval()
    for step, batch in enumerate(eval_dataloader):
        outputs = model(**batch)  # expect: OOM105
        preds = outputs.logits.argmax(dim=-1)
        metric.add_batch(predictions=accelerator.gather(preds), references=batch["labels"])
    return metric.compute()
