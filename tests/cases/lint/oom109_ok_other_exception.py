# Clean: a handler for another error may retry.
def fetch(client, url):
    try:
        return client.get(url)
    except ConnectionError:
        return client.get(url)
