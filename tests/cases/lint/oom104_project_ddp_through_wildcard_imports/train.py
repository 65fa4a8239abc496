# The models and the runner are loaded by `import *` of their packages (a registry finds them
# by name): the runner's DDP and the tower run in this one process.
from vlm.models import *
from vlm.runners import *

if __name__ == "__main__":
    Runner().wrap(build("vlm"))
