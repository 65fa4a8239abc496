import os

import torch.distributed as dist


def main(model):
    # reading CUDA_VISIBLE_DEVICES binds nothing: every rank still sees all GPUs
    gpus = os.environ["CUDA_VISIBLE_DEVICES"].split(",")
    dist.init_process_group("nccl", world_size=len(gpus))  # expect: OOM112
    model.cuda()
