# Clean: the loop after eval() trains (a step per batch); eval mode here freezes batch norm.
def finetune_frozen_bn(model, opt, loader, crit):
    model.eval()
    for x, y in loader:
        loss = crit(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
