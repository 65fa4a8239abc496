from library.train_util import prepare_accelerator
from model import Net


def main(args):
    accelerator = prepare_accelerator(args)
    model = accelerator.prepare(Net())


if __name__ == "__main__":
    main(None)
