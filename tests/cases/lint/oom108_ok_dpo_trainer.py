# Clean: DPOTrainer evaluates reward margins, not the language model's vocabulary logits.
from transformers import AutoModelForCausalLM
from trl import DPOConfig, DPOTrainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = DPOConfig("out", eval_strategy="steps")
DPOTrainer(model=model, args=args, eval_dataset=ds, compute_metrics=reward_acc)
