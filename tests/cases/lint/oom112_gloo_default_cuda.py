import torch.distributed as dist


def main(model):
    # gloo moves CPU tensors, but every rank still puts its model on GPU 0
    dist.init_process_group(backend="gloo")  # expect: OOM112
    model.cuda()
