# A test sweeping a few parallel set-ups (one backward each, torn down after each), and a test
# named after the step it checks: neither is a training loop or a per-step function.
import torch

TP_SIZES = [2, 4]


def test_grads_match_across_sizes(build):
    for tp in [2, 4]:
        for sparse in (False, True):
            build(tp, sparse).sum().backward()
        torch.cuda.empty_cache()
    for tp in cfg.TP_SIZES:
        build(tp, False).sum().backward()
        torch.cuda.empty_cache()


def test_step_is_consistent(opt):
    opt.step()
    torch.cuda.empty_cache()
