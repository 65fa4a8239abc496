# Outputs kept on an attribute of the object outlive the loop and the call.
import torch


class Evaluator:
    def run(self, loader):
        self.model.eval()
        with torch.no_grad():
            for batch in loader:
                logits = self.model(batch)
                self.all_logits.append(logits)  # expect: OOM106
