# One-GPU script of the project: gradient checkpointing with the library default.
from trainer import Trainer


def main(model, args):
    model.gradient_checkpointing_enable()
    Trainer(model, args, compute_metrics=None).train()


if __name__ == "__main__":
    main(None, None)
