# accelerator.gather hands the logits through unchanged: all of them stay on the GPU.
import torch


def evaluate(model, accelerator, eval_dataloader):
    model.eval()
    preds = []
    for batch in eval_dataloader:
        with torch.no_grad():
            logits = model(**batch).logits
        preds.append(accelerator.gather_for_metrics(logits))  # expect: OOM106
    return preds
