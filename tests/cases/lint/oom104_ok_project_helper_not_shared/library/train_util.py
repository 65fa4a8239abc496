from accelerate import Accelerator


def prepare_accelerator(args):
    return Accelerator()
