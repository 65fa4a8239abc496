from .a import cleanup


def run(model, loader, opt):
    for batch in loader:
        model(batch).backward()
        opt.step()
        cleanup()  # expect: OOM102
