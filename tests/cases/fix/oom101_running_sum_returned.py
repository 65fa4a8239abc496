# Unsafe: the running sum is returned, and a caller may read it as a tensor
# (`train(...).item()`), so without --unsafe-fixes the diff is empty and --fix changes nothing;
# the finding is not marked [*].
import torch.nn.functional as F


def train_epoch(model, loader, opt):
    epoch_loss = 0
    for batch in loader:
        out = model(**batch)
        loss = F.cross_entropy(out.logits, batch["labels"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        epoch_loss += loss
    return epoch_loss / len(loader)
