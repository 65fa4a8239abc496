# A learner's step() updates through its own mini-batch loops, so each call is one step; the
# loop that recomputes old log-probabilities (under a batching condition) flushes once per
# sample on every step.
import torch


class Learner:
    def step(self, rollout, n_minibatches):
        if n_minibatches > 1:
            with torch.no_grad():
                for i in range(len(rollout)):
                    rollout.old[i] = self.policy(rollout.obs[i])
                    torch.cuda.empty_cache()  # expect: OOM102
        for epoch in range(self.ppo_epochs):
            for mb in rollout.minibatches(n_minibatches):
                loss = self.policy.loss(mb)
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
