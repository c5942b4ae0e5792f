"""Export in the window: the export dialog and its worker, undo of a move, moving rejects aside,
live XMP sidecars."""
