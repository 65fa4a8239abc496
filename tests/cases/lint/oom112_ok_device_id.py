import torch
import torch.distributed as dist


def main(model, local_rank):
    dist.init_process_group("nccl", device_id=torch.device("cuda", local_rank))
    model.cuda()
