# Clean: the subclass replaces prediction_step and decides what it returns.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


class ShortTrainer(Trainer):
    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        loss, logits, labels = super().prediction_step(model, inputs, prediction_loss_only)
        return loss, logits.argmax(-1), labels


model = AutoModelForCausalLM.from_pretrained("gpt2")
ShortTrainer(model, TrainingArguments("o", eval_strategy="steps"), compute_metrics=acc)
