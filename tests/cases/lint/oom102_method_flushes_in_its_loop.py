# A method of the same class that flushes in its own batch loop (the loop runs at least once
# per call), called from the step loop: reported at the call.
import torch


class Recipe:
    def generate_batched(self, prompts):
        out = []
        with torch.no_grad():
            for start in range(0, len(prompts), self.chunk):
                out.append(self.model.generate(prompts[start : start + self.chunk]))
                torch.cuda.empty_cache()
        return out

    def train(self):
        for batch in self.loader:
            samples = self.generate_batched(batch)  # expect: OOM102
            for _ in range(self.ppo_epochs):
                loss = self.loss(samples)
                loss.backward()
                self.optimizer.step()
                self.optimizer.zero_grad()
