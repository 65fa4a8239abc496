def step(cell, seq, target, optimizer, criterion, h0):
    for xs, ys in zip(seq, target):
        h = h0
        for t in range(xs.size(0)):
            h = cell(xs[t], h)
        criterion(h, ys).backward()
        optimizer.step()
