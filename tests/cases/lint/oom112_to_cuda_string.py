import torch.distributed


def main(model, batch):
    torch.distributed.init_process_group(backend="nccl", init_method="env://")  # expect: OOM112
    model.to("cuda")
    batch = batch.to("cuda:0")
