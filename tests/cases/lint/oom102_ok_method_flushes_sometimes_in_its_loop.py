# The methods flush in their loops only every few chunks, or in a while loop that may not run,
# or only after training: none of it runs on every step.
import torch


class Recipe:
    def generate_every_few(self, prompts):
        out = []
        for i, p in enumerate(prompts):
            out.append(self.model.generate(p))
            if i % 4 == 0:
                torch.cuda.empty_cache()
        return out

    def drain(self, queue):
        while queue:
            queue.pop().cpu()
            torch.cuda.empty_cache()

    def release(self, modules):
        for m in modules:
            m.cpu()
            torch.cuda.empty_cache()

    def train(self):
        for batch in self.loader:
            samples = self.generate_every_few(batch)
            self.drain(self.pending)
            loss = self.loss(samples)
            loss.backward()
            self.optimizer.step()
            self.optimizer.zero_grad()
        self.release(self.helpers)
