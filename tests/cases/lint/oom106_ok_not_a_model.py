# Clean: a tokenizer's output is not a model's.
def encode_all(tokenizer, dataset):
    encoded = []
    for text in dataset:
        encoded.append(tokenizer(text))
    return encoded
