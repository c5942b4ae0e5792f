"""The AI models in the window: the Models dialog (purpose, size, status, download, import) and the
one-line banner that says when their files are missing."""
