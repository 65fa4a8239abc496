# Evaluation on and accumulated to the host: OOM103 is answered, the logits still pile up.
from transformers import TrainingArguments

lm_args = TrainingArguments(output_dir="lm", eval_strategy="steps", eval_accumulation_steps=4)
reduced_args = TrainingArguments(output_dir="lm", eval_strategy="steps", batch_eval_metrics=True)
