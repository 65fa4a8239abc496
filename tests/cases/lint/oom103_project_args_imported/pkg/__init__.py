# The package re-exports the arguments its settings module builds.
from .settings import seq_args

__all__ = ["seq_args"]
