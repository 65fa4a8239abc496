# Clean: this script loads the models (one process); the one that loads the DDP runner
# (train_probe.py) never imports them.
from vlm.models import *

if __name__ == "__main__":
    build("vlm").eval()
