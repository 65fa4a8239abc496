from .model import Net


def build():
    return Net().cuda()
