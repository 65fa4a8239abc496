# A vendored copy of a Trainer: it runs the evaluation loop itself.
class Trainer:
    def __init__(self, model, args, compute_metrics=None):
        self.model, self.args, self.compute_metrics = model, args, compute_metrics

    def evaluation_loop(self, loader):
        preds = None
        for step, batch in enumerate(loader):
            logits = self.model(**batch).logits
            preds = logits if preds is None else preds + logits
            if self.args.eval_accumulation_steps is not None:
                preds = preds.cpu()
        return preds
