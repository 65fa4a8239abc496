def train(gen, disc, loader, opt_g, opt_d, crit, noise):
    for real in loader:
        fake = gen(noise(real.size(0)))
        opt_d.zero_grad()
        d_loss = crit(disc(real), 1) + crit(disc(fake), 0)
        d_loss.backward(retain_graph=True)
        opt_d.step()
        opt_g.zero_grad()
        g_loss = crit(disc(fake), 1)
        g_loss.backward()
        opt_g.step()
