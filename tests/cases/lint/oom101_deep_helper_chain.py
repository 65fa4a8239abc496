# The optimizer step sits five calls below the loop: the loop still trains, and the stored
# loss keeps its graph.
def train(model, loader, opt, criterion):
    losses = []
    for x, y in loader:
        loss = criterion(model(x), y)
        update(loss, opt)
        losses.append(loss)  # expect: OOM101
    return losses


def update(loss, opt):
    level1(loss, opt)


def level1(loss, opt):
    level2(loss, opt)


def level2(loss, opt):
    level3(loss, opt)


def level3(loss, opt):
    level4(loss, opt)


def level4(loss, opt):
    loss.backward()
    opt.step()
    opt.zero_grad()
