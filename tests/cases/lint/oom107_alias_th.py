import torch as th
import torch.multiprocessing as mp


def worker(rank, model, path):
    sd = th.load(path)  # expect: OOM107
    model.load_state_dict(sd)


def main(model, path):
    mp.spawn(worker, args=(model, path), nprocs=4)
