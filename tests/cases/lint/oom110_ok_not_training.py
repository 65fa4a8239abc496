def generate(model, prompt, steps):
    hidden = model.init_hidden(1)
    token = prompt
    for _ in range(steps):
        token, hidden = model(token, hidden)
    return token
