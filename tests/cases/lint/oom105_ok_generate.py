# Clean: generate() turns grad off itself; only forward calls of the model count.
def sample(model, tok, prompts):
    model.eval()
    outs = []
    for p in prompts:
        ids = model.generate(**tok(p, return_tensors="pt"), max_new_tokens=20)
        outs.append(tok.decode(ids[0]))
    return outs
