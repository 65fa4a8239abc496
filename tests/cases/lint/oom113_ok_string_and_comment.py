NOTE = "nn.DataParallel(model) gathers outputs on GPU 0"


def build(model):
    # model = nn.DataParallel(model)
    return model
