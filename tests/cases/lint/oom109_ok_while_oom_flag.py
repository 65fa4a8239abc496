# Clean: the handler shrinks the tile; the while loop retries after the except block.
OOM_EXCEPTION = MemoryError


def upscale(run, image):
    tile = 512
    oom = True
    while oom:
        try:
            out = run(image, tile)
            oom = False
        except OOM_EXCEPTION:
            tile //= 2
            if tile < 128:
                raise
    return out
