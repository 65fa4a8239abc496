# A whole training run per seed: train() updates in its own loop over iterations, but one call
# is a run, not a step, so flushing before and between its evaluation passes is fine.
import torch


def train(model, optimizer, batches, iters):
    torch.cuda.empty_cache()
    for it in range(iters):
        loss = model(batches.sample())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    for probe in model.probes:
        probe.reset()
        torch.cuda.empty_cache()


def main(model, optimizer, batches, seeds):
    for seed in seeds:
        torch.manual_seed(seed)
        train(model, optimizer, batches, 1000)
