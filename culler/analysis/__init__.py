"""Signals computed per photo: technical measures (no weights) and deep models (pyiqa, open_clip).

Nothing here imports Qt; torch, pyiqa, open_clip and cv2 are imported lazily.
"""
