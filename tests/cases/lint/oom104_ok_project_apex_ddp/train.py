from model import Net

try:
    from deepscale.distributed_apex import DistributedDataParallel as DDP
except ImportError:
    from apex.parallel import DistributedDataParallel as DDP


def main():
    model = DDP(Net().cuda())
    return model


if __name__ == "__main__":
    main()
