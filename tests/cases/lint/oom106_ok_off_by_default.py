# Clean by default: OOM106 is opt-in, so without --select it does not run.
import torch


@torch.no_grad()
def collect(model, eval_dataloader):
    kept = []
    for batch in eval_dataloader:
        kept.append(model(**batch).logits)
    return kept
