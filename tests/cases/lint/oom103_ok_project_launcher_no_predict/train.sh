#!/bin/sh
# Clean: training only; predict() never runs and no compute_metrics is set.
python generate.py --output_dir out --do_train
