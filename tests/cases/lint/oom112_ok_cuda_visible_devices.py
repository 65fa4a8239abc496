import os
import torch.distributed as dist


def main(model, local_rank):
    os.environ["CUDA_VISIBLE_DEVICES"] = str(local_rank)
    dist.init_process_group("nccl")
    model.cuda()
