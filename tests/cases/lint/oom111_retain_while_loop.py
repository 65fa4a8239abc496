def train(model, stream, opt):
    step = 0
    while step < 1000:
        x, y = next(stream)
        opt.zero_grad()
        loss = (model(x) - y).abs().mean()
        loss.backward(retain_graph=True)  # expect: OOM111
        opt.step()
        step += 1
