import torch
import torch.distributed as dist


def main(local_rank, net, batches):
    dist.init_process_group("nccl")  # expect: OOM112
    model = net.to(torch.device("cuda", local_rank))
    for x in batches:
        model(x)
        # with no device, synchronize() opens a context on GPU 0
        torch.cuda.synchronize()


if __name__ == "__main__":
    main(0, None, [])
