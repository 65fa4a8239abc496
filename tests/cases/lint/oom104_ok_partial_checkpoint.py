# Clean: partial(checkpoint, ...) that binds use_reentrant=False (by keyword or through a
# dict), and partial of a function that is not torch's checkpoint.
from functools import partial

from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint


def use_checkpointing(model, ckpt_kwargs=None):
    if ckpt_kwargs is None:
        ckpt_kwargs = {"use_reentrant": False}
    model.ckpt_fn = partial(checkpoint, **ckpt_kwargs)
    model.ckpt_fn2 = partial(checkpoint, use_reentrant=False)
    model.forward_fn = partial(run_block, scale=2)


model = DDP(build_model())
