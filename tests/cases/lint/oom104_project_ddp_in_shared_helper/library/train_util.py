from accelerate import Accelerator


def prepare_accelerator(args):
    return Accelerator(gradient_accumulation_steps=args.accum)
