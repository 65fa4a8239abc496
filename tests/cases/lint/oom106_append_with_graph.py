# Evaluation without no_grad: every appended output keeps its whole graph.
def predict(model, val_loader):
    model.eval()
    outputs = []
    for x, _ in val_loader:
        out = model(x)  # expect: OOM105
        outputs.append(out)  # expect: OOM106
    return outputs
