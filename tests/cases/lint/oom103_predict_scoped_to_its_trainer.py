from transformers import Trainer, TrainingArguments


def test_train_only(model, ds, metrics):
    args = TrainingArguments("out-a")
    trainer = Trainer(model, args, train_dataset=ds, compute_metrics=metrics)
    trainer.train()


def test_predict(model, ds):
    args = TrainingArguments("out-b")  # expect: OOM103
    trainer = Trainer(model, args, eval_dataset=ds)
    trainer.predict(ds)
