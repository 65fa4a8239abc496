from .blocks import Net
