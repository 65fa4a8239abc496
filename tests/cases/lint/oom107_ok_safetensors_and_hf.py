import torch.distributed as dist
from safetensors.torch import load_file
from transformers import AutoModel


def main(path, model):
    dist.init_process_group("nccl")
    model.load_state_dict(load_file(path))
    return AutoModel.from_pretrained(path)
