"""Foundations every other window package may use: theme colours, the action registry and key
dispatch, settings, image helpers, Qt compatibility shims. Imports no feature."""
