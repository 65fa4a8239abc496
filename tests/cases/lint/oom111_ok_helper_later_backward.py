def update_generator(gen, disc, fake, opt_g):
    opt_g.zero_grad()
    disc(fake).mean().backward()
    opt_g.step()


def train(gen, disc, loader, opt_d, opt_g):
    for real in loader:
        fake = gen(real)
        opt_d.zero_grad()
        d_loss = disc(real).mean() - disc(fake).mean()
        d_loss.backward(retain_graph=True)
        opt_d.step()
        update_generator(gen, disc, fake, opt_g)
