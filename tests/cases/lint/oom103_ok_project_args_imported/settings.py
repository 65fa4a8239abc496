# Arguments built in the settings module, each with a reason evaluation gathers nothing on the GPU
# or cannot be read from here.
from transformers import TrainingArguments

accumulating = TrainingArguments(output_dir="o", eval_strategy="steps", eval_accumulation_steps=8)
no_eval = TrainingArguments(output_dir="o")
set_later = TrainingArguments(output_dir="o", eval_strategy="epoch")
set_later.prediction_loss_only = True
turned_off_later = TrainingArguments(output_dir="o", eval_strategy="steps")
turned_off_later.eval_strategy = "no"
twice = TrainingArguments(output_dir="o", eval_strategy="steps")
twice = TrainingArguments(output_dir="o")
mitigated_there = TrainingArguments(output_dir="o", eval_strategy="steps")
rebound_here = TrainingArguments(output_dir="o", eval_strategy="steps")
if __name__ == "__main__":
    only_as_script = TrainingArguments(output_dir="o", eval_strategy="steps")


def make_args(eval_on=True):
    """A factory: its keywords depend on its caller, so the arguments are not read."""
    return TrainingArguments(output_dir="o", eval_strategy="steps" if eval_on else "no")
