# TrainingArguments(gradient_checkpointing=True) without gradient_checkpointing_kwargs, Lightning-free DDP.
import torch
from transformers import TrainingArguments

args = TrainingArguments(output_dir="o", gradient_checkpointing=True)  # expect: OOM104
model = torch.nn.parallel.DistributedDataParallel(model)
