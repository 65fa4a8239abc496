# Clean: the accumulator is reset inside the loop (per-step logging), and float() conversions.
running = 0
for i, batch in enumerate(loader):
    running = 0
    loss = loss_fn(model(batch.x), batch.y)
    loss.backward()
    optimizer.step()
    running += loss
    print(running)
