def ppo_update(policy, optimizer, updates, mini_batches):
    stats = []
    for update in range(updates):
        for mb in mini_batches(update):
            loss = policy.loss(mb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        stats.append(loss)  # expect: OOM101
    return stats
