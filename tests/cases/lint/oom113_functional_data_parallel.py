from torch.nn.parallel import data_parallel


def forward(model, x):
    return data_parallel(model, x, device_ids=[0, 1])  # expect: OOM113
