def train(rnn, batches, opt, loss_fn, h0):
    hx = h0
    for inp, target in batches:
        out, hx = rnn(inp, hx)  # expect: OOM110
        loss = loss_fn(out, target)
        loss.backward(retain_graph=True)
        opt.step()
        opt.zero_grad()
