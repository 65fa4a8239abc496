# loss_type="nll" keeps the model's forward unpatched: the full logits reach compute_metrics.
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = SFTConfig("out", eval_strategy="steps", loss_type="nll")
SFTTrainer(model=model, args=args, eval_dataset=ds, compute_metrics=token_accuracy)  # expect: OOM108
