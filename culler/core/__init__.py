"""Pure-Python core of culler: album, decoding, session store, grouping, ranking, budget, export.

Nothing here imports Qt; heavy libraries are imported inside the functions that need them.
"""
