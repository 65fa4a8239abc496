# The same learner step, but the flush in its inner loop is an explicit memory opt-in, and the
# evaluation pass after the updates flushes only every few batches.
import torch


class Learner:
    def step(self, rollout, n_minibatches):
        with torch.no_grad():
            for i in range(len(rollout)):
                rollout.old[i] = self.policy(rollout.obs[i])
                if self.args.low_memory:
                    torch.cuda.empty_cache()
        for mb in rollout.shuffled(n_minibatches):
            self.policy.loss(mb).backward()
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
        for j, mb in enumerate(rollout.minibatches(n_minibatches)):
            self.metrics.append(self.policy.loss(mb).item())
            if j % 16 == 15:
                torch.cuda.empty_cache()
