from engine import Trainer


def main(model):
    model.gradient_checkpointing_enable()  # expect: OOM104
    Trainer(model, 0)


if __name__ == "__main__":
    main(None)
