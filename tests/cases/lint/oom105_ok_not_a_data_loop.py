# Clean: a test's loop over a range of random inputs is not an evaluation pass over data.
import torch


def test_scripted_matches(model, scripted):
    model.eval()
    for i in range(10):
        x = torch.randn(2, 8)
        assert torch.equal(model(x), scripted(x))
