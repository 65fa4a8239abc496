# Clean: a range that slices nothing by its index repeats one input (a test capturing a few
# steps on purpose), not a walk over the data.
import torch


def capture(model, x):
    outs = []
    for _ in range(3):
        outs.append(model(x))
    return outs
