from .memory import free_memory

__all__ = ["free_memory"]
