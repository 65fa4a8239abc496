# Clean: the model is back in training mode before the loop that trains it.
def fit(model, opt, loader, crit):
    model.eval()
    print(model.num_parameters())
    model.train()
    for x, y in loader:
        out = model(x)
        print(out.shape)
