from . import a


def tidy():
    a.flush()
