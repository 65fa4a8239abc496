# Clean: use_reentrant=False everywhere, including through splats and HF kwargs.
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint
from transformers import TrainingArguments

kw = dict(use_reentrant=False)
a = checkpoint(f, x, use_reentrant=False)
b = checkpoint(f, x, **kw)
c = checkpoint(f, x, **{"use_reentrant": False})
model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
model.gradient_checkpointing_enable({"use_reentrant": False})
args = TrainingArguments("o", gradient_checkpointing=True,
                         gradient_checkpointing_kwargs={"use_reentrant": False})
model = DDP(model)
