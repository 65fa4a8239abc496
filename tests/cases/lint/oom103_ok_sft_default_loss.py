# Clean: SFTTrainer's default loss (chunked_nll since TRL 1.7) computes the loss from the hidden
# states in chunks and returns logits=None, so evaluation and predict() gather no logits.
from trl import SFTConfig, SFTTrainer

cfg = SFTConfig(output_dir="out", eval_strategy="steps", eval_steps=50)
tr = SFTTrainer(model="some/causal-lm", args=cfg, eval_dataset=held_out, compute_metrics=score)
tr.train()

chunked = SFTConfig(output_dir="out2", loss_type="chunked_nll")
tr2 = SFTTrainer(model="some/causal-lm", args=chunked)
tr2.predict(test_set)

# no arguments at all: SFTTrainer builds a default SFTConfig
tr3 = SFTTrainer(model="some/causal-lm", train_dataset=data)
tr3.predict(test_set)
