# Under no_grad the graph is gone, but the full logits stay on the GPU batch after batch.
import torch


@torch.no_grad()
def collect(model, eval_dataloader):
    all_logits = []
    for batch in eval_dataloader:
        outputs = model(**batch)
        all_logits.append(outputs.logits)  # expect: OOM106
    return torch.cat(all_logits)
