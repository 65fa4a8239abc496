#!/bin/sh
# four GPUs
torchrun --nproc_per_node 4 \
    -m pkg.train --epochs 3
