# Clean: SFTTrainer's default loss returns logits=None (TRL 1.7 and later): compute_metrics
# receives no vocabulary logits to keep.
from transformers import AutoModelForCausalLM
from trl import SFTConfig, SFTTrainer

model = AutoModelForCausalLM.from_pretrained("gpt2")
args = SFTConfig("out", eval_strategy="steps")
SFTTrainer(model=model, args=args, eval_dataset=ds, compute_metrics=token_accuracy)
