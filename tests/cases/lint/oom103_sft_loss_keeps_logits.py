# The plain "nll" loss (and Liger) returns the model's logits: evaluation gathers them.
from trl import SFTConfig, SFTTrainer

nll = SFTConfig(output_dir="out", loss_type="nll", eval_strategy="steps")  # expect: OOM103
tr = SFTTrainer(model="some/causal-lm", args=nll, eval_dataset=held_out, compute_metrics=score)

liger = SFTConfig(output_dir="out2", use_liger_kernel=True)  # expect: OOM103
tr2 = SFTTrainer(model="some/causal-lm", args=liger)
tr2.predict(test_set)

later = SFTConfig(output_dir="out3")  # expect: OOM103
later.loss_type = "dft"
tr3 = SFTTrainer(model="some/causal-lm", args=later)
tr3.predict(test_set)
