# Clean: a project function that happens to be named empty_cache, and a dict's method.
def empty_cache():
    cache.clear()


for batch in loader:
    loss = model(batch)
    loss.backward()
    optimizer.step()
    empty_cache()
    feature_cache.empty_cache()
