#!/bin/sh
python run_clm.py \
    --output_dir out \
    --do_train \
    --do_eval
