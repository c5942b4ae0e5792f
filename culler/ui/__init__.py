"""PySide6 user interface: main window, grid, loupe, compare, review; observes the core."""
