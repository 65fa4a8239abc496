def train(model, loader, optimizer, ema_update, lr_fn):
    ema = model.copy()
    lr = 0.1
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        ema = ema_update(ema, model)
        lr = lr_fn(lr)
