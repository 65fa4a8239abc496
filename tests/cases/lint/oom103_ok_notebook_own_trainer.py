# Unbound names without Hugging Face keywords, and a Trainer the notebook defines itself.
args = TrainingArguments(lr=1e-3, epochs=3)
trainer = Trainer(model, args, metrics)
trainer.evaluate()


class Trainer:
    def __init__(self, model, args, compute_metrics=None, eval_dataset=None):
        self.model = model


run = Trainer(model=None, args=TrainingArguments(output_dir="o", eval_strategy="steps"),
              eval_dataset=None, compute_metrics=None)
run.evaluate()
