import torch
import torch.distributed as dist


def train(args, model, optimizer, loader):
    dist.init_process_group("nccl")
    optimizer.load_state_dict(torch.load(args.optimizer_path))  # expect: OOM107
    for batch in loader:
        model(batch).loss.backward()
        optimizer.step()
    torch.save(optimizer.state_dict(), args.optimizer_path)
