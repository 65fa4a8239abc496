from .utils import free_memory


def fit(model, loader, optimizer):
    for batch in loader:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        free_memory()  # expect: OOM102
