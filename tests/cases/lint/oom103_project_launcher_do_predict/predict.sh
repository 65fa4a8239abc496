#!/bin/sh
# Only predictions: no evaluation set, loss-only evaluation never runs, predict() does.
python generate.py --output_dir out --do_train False --do_predict True
