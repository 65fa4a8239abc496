import torch


def empty_device_cache(device_type):
    if device_type == "xpu":
        torch.xpu.empty_cache()
    elif device_type == "npu":
        torch.npu.empty_cache()
    else:
        torch.cuda.empty_cache()


def train(model, loader, optimizer, device_type="cuda"):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        empty_device_cache(device_type)  # expect: OOM102
