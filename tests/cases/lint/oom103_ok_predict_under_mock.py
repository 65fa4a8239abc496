# Clean: a test that runs predict() while the Trainer's prediction is mocked: the mock, not
# the model, makes what is gathered.
from unittest import mock
from unittest.mock import patch

from transformers import Trainer, TrainingArguments


def test_predict_passes_flags(model, tiny_set):
    trainer = Trainer(model=model, args=TrainingArguments(output_dir="o"))
    with patch("transformers.Trainer.compute_loss", side_effect=fake_loss):
        trainer.predict(tiny_set)


def test_predict_step_mocked(model, tiny_set):
    trainer = Trainer(model=model, args=TrainingArguments(output_dir="o"))
    with mock.patch.object(Trainer, "prediction_step", return_value=(None, None, None)):
        trainer.predict(tiny_set)
