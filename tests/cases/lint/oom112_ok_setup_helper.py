import os
import torch
import torch.distributed as dist


def setup():
    dist.init_process_group("nccl")


def train(model, batch):
    if not dist.is_initialized():
        batch = batch.to("cuda:0")
    return model(batch)
