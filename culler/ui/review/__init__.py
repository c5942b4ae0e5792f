"""Time-budget review mode: the setup dialog, the timed screen, the low-score sweep and the
summary."""
