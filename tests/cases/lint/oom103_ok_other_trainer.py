# Clean: other libraries' Trainer classes (Lightning, detectron2, fairseq).
from detectron2.engine import DefaultTrainer
from fairseq.trainer import Trainer as FairseqTrainer
from pytorch_lightning import Trainer

trainer = Trainer(max_epochs=3, compute_metrics=True)
trainer.fit(model)
trainer.predict(model)
t2 = FairseqTrainer(cfg, task, model, criterion, compute_metrics=fn)
t2.predict()
t3 = DefaultTrainer(cfg)
