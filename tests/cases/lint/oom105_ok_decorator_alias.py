# Clean: the function is decorated with inference_mode through an alias.
from torch import inference_mode as infer


@infer()
def validate(model, loader):
    model.eval()
    for x in loader:
        print(model(x).sum().item())
