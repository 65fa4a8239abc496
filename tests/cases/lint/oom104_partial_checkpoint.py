# partial(checkpoint, ...) is the checkpoint function a model is handed: its keywords decide.
# Here the helper's default kwargs are explicitly reentrant, and the other binds none.
from functools import partial

from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint


def use_checkpointing(model, ckpt_kwargs=None):
    if ckpt_kwargs is None:
        ckpt_kwargs = {"use_reentrant": True}
    model.ckpt_fn = partial(checkpoint, **ckpt_kwargs)  # expect: OOM104


def use_plain_checkpointing(model):
    model.ckpt_fn = partial(checkpoint)  # expect: OOM104


model = DDP(build_model())
