"""kitsufiles: a Zou-compatible file service for animation and VFX studios."""

__version__ = "0.1.0"
