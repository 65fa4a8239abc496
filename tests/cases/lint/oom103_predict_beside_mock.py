# A mock of something else (the loader, a logger), or a predict() after the mocked block:
# the model's predictions are gathered.
from unittest.mock import patch

from transformers import Trainer, TrainingArguments


def test_predict_with_mocked_logger(model, test_set):
    trainer = Trainer(model=model, args=TrainingArguments(output_dir="o"))  # expect: OOM103
    with patch("transformers.Trainer.log", return_value=None):
        trainer.predict(test_set)


def test_predict_after_mock(model, test_set):
    trainer = Trainer(model=model, args=TrainingArguments(output_dir="o"))  # expect: OOM103
    with patch("transformers.Trainer.compute_loss", side_effect=fake_loss):
        trainer.compute_loss(model, {})
    trainer.predict(test_set)
