"""The main window: the composition of views and features, menus, status bar, help overlay and the
album's lifecycle in the window. The only package that knows every feature."""
