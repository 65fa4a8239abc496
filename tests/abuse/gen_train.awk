# Generates a training script of about BYTES bytes: one import header, then functions with
# training loops (findings for OOM101, OOM102), each with its own name.
BEGIN {
    print "import torch\nimport torch.nn.functional as F\nfrom torch.utils.checkpoint import checkpoint\n"
    n = 0; i = 0
    while (n < BYTES) {
        s = sprintf("def train_%d(model, loader, optimizer, criterion):\n    losses = []\n    total = 0\n    for step, (x, y) in enumerate(loader):\n        out = model(x)\n        loss = criterion(out, y) + F.cross_entropy(out, y)\n        loss.backward()\n        optimizer.step()\n        losses.append(loss)\n        total += loss.item()\n        if step %% 100 == 0:\n            print(step, [v * 2 for v in range(10)], {\"k\": (1, 2, 3)})\n        torch.cuda.empty_cache()\n    return losses\n\n", i)
        printf "%s", s
        n += length(s); i++
    }
}
