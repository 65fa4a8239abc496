# Clean: the handler logs and re-raises.
import logging

import torch


def step(model, batch):
    try:
        return model(batch)
    except torch.cuda.OutOfMemoryError:
        logging.error("OOM at batch of %d", len(batch))
        logging.error(torch.cuda.memory_summary())
        raise
