# fix-options: --unsafe-fixes
# Every rule's fix in one file, two of them on one line; a second --fix changes nothing.
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint
from transformers import Trainer, TrainingArguments

model = DDP(model, device_ids=[rank])
losses, extra = [], []
for x, y in loader:
    h = checkpoint(model.block, x); g = checkpoint(model.block, h)
    loss = F.cross_entropy(model.head(g), y)
    loss.backward()
    optimizer.step()
    losses.append(loss); extra.append(loss)
    torch.cuda.empty_cache()

args = TrainingArguments(output_dir="out", eval_strategy="steps")
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
