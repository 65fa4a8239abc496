# Clean: an eval(...) with an argument is not nn.Module.eval().
def run(cfg, loader, model):
    cfg.eval("x + 1")
    for x in loader:
        print(model(x))
