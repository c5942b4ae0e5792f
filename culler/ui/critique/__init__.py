"""Asking a vision-language model from the window: settings, asking, the critique strips under the
loupe, compare and survey, the disagreement list, and the model's authority over suggestions."""
