# Clean: the handler halves the batch size and resets the loader; the next loop iteration
# runs the work again, after the except block.
def scale_batch(trainer, run, adjust_size, reset_loaders, trials):
    size = 2
    for _ in range(trials):
        try:
            run(trainer)
            size = adjust_size(trainer, factor=2.0)
            reset_loaders(trainer)
        except RuntimeError as err:
            if "out of memory" not in str(err):
                raise
            size = adjust_size(trainer, factor=0.5)
            reset_loaders(trainer)
    return size
