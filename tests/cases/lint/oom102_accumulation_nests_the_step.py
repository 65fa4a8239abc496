import torch


def train(model, batches, optimizer, accelerator, split):
    # each outer iteration is one optimizer update: the step sits one loop deeper
    for mini_batch in batches:
        for micro in split(mini_batch):
            with accelerator.accumulate(model):
                loss = model(micro).loss
                accelerator.backward(loss)
                optimizer.step()
                optimizer.zero_grad()
        torch.cuda.empty_cache()  # expect: OOM102
