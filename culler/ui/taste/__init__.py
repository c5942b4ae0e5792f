"""The photographer's taste in the window: learned in the background from the decisions, shown in
words, and in the user's hands (off per album, reset, export, import, learn from rated folders)."""
