from .memory import flush


def sample_chunks(model, prompts, chunk):
    out = []
    for start in range(0, len(prompts), chunk):
        out.append(model.generate(prompts[start : start + chunk]))
        flush()
    return out


def sample_rarely(model, prompts, chunk):
    out = []
    for i, start in enumerate(range(0, len(prompts), chunk)):
        out.append(model.generate(prompts[start : start + chunk]))
        if i % 8 == 0:
            flush()
    return out
