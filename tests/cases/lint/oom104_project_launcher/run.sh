#!/bin/sh
torchrun --nproc_per_node 8 finetune.py
