# from ... import checkpoint as ckpt, and checkpoint_sequential.
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.checkpoint import checkpoint as ckpt
from torch.utils.checkpoint import checkpoint_sequential

y = ckpt(layer, x)  # expect: OOM104
z = checkpoint_sequential(seq, 4, x)  # expect: OOM104
net = DDP(net)
