def train(accelerator, model, dataloader, optimizer):
    for batch in dataloader:
        outputs = model(**batch)
        accelerator.backward(outputs.loss, retain_graph=True)  # expect: OOM111
        optimizer.step()
        optimizer.zero_grad()
