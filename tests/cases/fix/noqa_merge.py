# --add-noqa: a new directive, codes merged into an existing one (another tool's code kept), a
# finding whose first line ends inside a string gets it on its last line, and OOM102 (no fix).
import torch
import torch.nn.functional as F
from transformers import Trainer, TrainingArguments

losses = []
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    losses.append(loss)  # noqa: E501
    logs.append(loss)
    notes.append(f"""step
    {x}""" + str(loss)); notes.append(loss)
    torch.cuda.empty_cache()   

args = TrainingArguments(output_dir="""out
""", eval_strategy="steps")
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
