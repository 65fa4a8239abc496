def test_second_order(model, loader, opt):
    for x in loader:
        loss = model(x).sum()
        loss.backward(create_graph=True)
        opt.step()
