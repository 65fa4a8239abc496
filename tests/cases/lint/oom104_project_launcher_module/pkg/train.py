from pkg.trainer import build

model = build()
