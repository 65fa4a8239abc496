# Hugging Face style: outputs.loss, stored in a dict kept across steps, and A = A + E.
history = {}
running = 0.0
for step, batch in enumerate(train_dataloader):
    outputs = model(**batch)
    loss = outputs.loss
    accelerator.backward(loss)
    optimizer.step()
    lr_scheduler.step()
    optimizer.zero_grad()
    history[step] = loss  # expect: OOM101
    running = running + loss  # expect: OOM101
