# A trainer method: self.model in eval mode, run over the eval loader with autograd on.
class Runner:
    def evaluate(self):
        self.model.eval()
        losses = []
        for batch in self.eval_loader:
            out = self.model(**batch)  # expect: OOM105
            losses.append(out.loss.item())
        return sum(losses) / len(losses)
