# The file's own trainer class takes Hugging Face-like keywords but is not a Trainer.
from transformers import TrainingArguments


class LoopTrainer:
    def __init__(self, model, args, compute_metrics=None):
        self.model, self.args, self.compute_metrics = model, args, compute_metrics

    def evaluate(self, loader):
        return self.compute_metrics([self.model(b).logits.argmax(-1).cpu() for b in loader])


args = TrainingArguments(output_dir="o", eval_strategy="steps")
LoopTrainer(model=None, args=args, compute_metrics=lambda p: {}).evaluate([])
