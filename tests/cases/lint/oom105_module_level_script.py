# A script: the model is loaded, put in eval mode and run over the test set at module level.
import torch

model = torch.load("model.pt", weights_only=False)
model.eval()
preds = []
for images, _ in test_loader:
    preds.append(model(images).argmax(1).cpu())  # expect: OOM105
