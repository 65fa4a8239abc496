import torch


def ppo(policy, envs, optimizer, updates, rollout_len, ppo_epochs, minibatches):
    for update in range(updates):
        with torch.no_grad():
            for t in range(rollout_len):
                envs.step(policy.act(envs.obs))
                torch.cuda.empty_cache()  # expect: OOM102
        for _ in range(ppo_epochs):
            for mb in minibatches():
                loss = policy.loss(mb)
                loss.backward()
                optimizer.step()
                optimizer.zero_grad()
