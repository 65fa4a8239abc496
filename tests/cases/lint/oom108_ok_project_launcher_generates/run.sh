#!/bin/sh
python summarize.py --output_dir out --do_eval --predict_with_generate
