def backward_and_step(loss, optimizer, scaler=None):
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
