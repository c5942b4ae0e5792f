"""culler: cull a photo shoot in minutes (keyboard review, quality scores, bursts, export)."""

__version__ = "0.1.0"
APP_NAME = "culler"
