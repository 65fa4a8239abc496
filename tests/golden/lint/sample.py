# Golden input for every output format: one finding per rule (see tests/unit/test_lint.c).
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint
from transformers import Trainer, TrainingArguments

model = DDP(model, device_ids=[rank])
losses = []
for x, y in loader:
    h = checkpoint(model.block, x)
    loss = F.cross_entropy(model.head(h), y)
    loss.backward()
    optimizer.step()
    losses.append(loss)
    torch.cuda.empty_cache()

args = TrainingArguments(output_dir="out", eval_strategy="steps")
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
