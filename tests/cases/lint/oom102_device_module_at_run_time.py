import torch


def train(model, loader, optimizer, device="cuda"):
    device_module = getattr(torch, device, torch.cuda)
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        device_module.empty_cache()  # expect: OOM102
        torch.get_device_module(device).empty_cache()  # expect: OOM102
        torch.accelerator.empty_cache()  # expect: OOM102
