import torch
import torch.distributed as dist

dist.init_process_group("nccl")  # expect: OOM112
model = torch.nn.Linear(8, 8).cuda()
