# A range that slices the batch into mini-batches is a loop over data: every mini-batch's
# vocabulary logits (unpacked from the model's outputs) stay on the GPU until the loop ends.
import torch


@torch.no_grad()
def forward_in_chunks(policy, input_ids, chunk):
    kept = []
    for start in range(0, input_ids.size(0), chunk):
        piece = input_ids[start : start + chunk]
        logits, _, values = policy.model(piece)
        kept.append(logits)  # expect: OOM106
    return torch.cat(kept)
