from torch import autograd as ag


def fit(net, data, optimizer):
    for inputs, targets in data:
        out = net(inputs)
        ag.backward([out.sum()], create_graph=True)  # expect: OOM111
        optimizer.step()
