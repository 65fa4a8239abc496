# Clean: loops that load weights, cache features or run inference do not train.
import torch

for name, shard in shards.items():
    state = torch.load(shard, map_location="cuda")
    model.load_state_dict(state, strict=False)
    del state
    torch.cuda.empty_cache()

for images in loader:
    with torch.inference_mode():
        feats.append(model(images).cpu())
    torch.cuda.empty_cache()
