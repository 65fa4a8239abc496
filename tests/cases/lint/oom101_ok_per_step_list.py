# Clean: the list is created inside the step and consumed there; the dict is the loop's own batch.
for batch in loader:
    step_losses = []
    loss = criterion(model(batch), batch.y)
    step_losses.append(loss)
    batch["loss"] = loss
    (sum(step_losses) / len(step_losses)).backward()
    optimizer.step()
