# A loop over a computed schedule is a training loop, and a step function still is one.
import torch


def train_step(model, opt, batch):
    model(batch).sum().backward()
    opt.step()
    torch.cuda.empty_cache()  # expect: OOM102


for lr in schedule:
    model(batch).sum().backward()
    opt.step()
    torch.cuda.empty_cache()  # expect: OOM102
