import torch


def main(args, model):
    model.cuda()
    ckpt = torch.load(args.resume)
    model.load_state_dict(ckpt)
