# The handler tests the error with a helper, then retries the call with tiling on.
def decode(vae, z, use_tiling, is_oom_error):
    try:
        out = vae.decode(z)
    except RuntimeError as e:
        if use_tiling or not is_oom_error(e):
            raise
        vae.enable_tiling()
        out = vae.decode(z)  # expect: OOM109
    return out
