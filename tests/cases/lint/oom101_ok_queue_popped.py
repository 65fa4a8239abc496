# A pipeline schedule queues each micro-batch's output until its own backward: entries leave
# the list, it does not grow.
output_tensors = []
for i in range(num_microbatches):
    output_tensor = forward_step(model, batch)
    output_tensors.append(output_tensor)
    if i >= warmup:
        output_tensor = output_tensors.pop(0)
        output_tensor.backward()
        optimizer.step()
