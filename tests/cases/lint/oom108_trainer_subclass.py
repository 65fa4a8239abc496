# A Trainer subclass of the file that keeps the default evaluation loop.
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


class MyTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False):
        return super().compute_loss(model, inputs, return_outputs)


model = AutoModelForCausalLM.from_pretrained("gpt2")
args = TrainingArguments("o", eval_strategy="epoch")
MyTrainer(model, args, compute_metrics=acc)  # expect: OOM108
