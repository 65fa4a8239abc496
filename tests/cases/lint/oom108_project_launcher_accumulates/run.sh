#!/bin/sh
python finetune_lm.py --output_dir out --do_eval --eval_accumulation_steps 4
