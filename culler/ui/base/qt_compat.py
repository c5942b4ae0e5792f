"""Work-around for a reference-counting defect of PySide6 6.12.0 on Python 3.11.

That binding returns `None` from every void method (`setText`, `setInterval`, ...) and `True`
from `Signal.emit()` without taking a reference, as if they were immortal objects (they are
only from Python 3.12 on). Each such call drops one reference; after ~10,000 calls CPython
aborts ("none_dealloc: deallocating None"), i.e. within minutes of culling. 6.11.3 does not
have the defect (the better fix: pin it).

`protect_singletons()` measures whether the running binding drops references and, only then,
gives None/True/False a reference count so large (2**40) that no session can exhaust it: the
same thing Python 3.12 does to make these objects immortal. Call it before the window is made.
"""

from __future__ import annotations

import ctypes
import sys

EXTRA_REFERENCES = 1 << 40
_protected = False


def binding_drops_references() -> bool:
    """True when a void Qt call or an emit loses a reference to None or True."""
    from PySide6.QtCore import QObject, Signal

    class Probe(QObject):
        ping = Signal()

    probe = Probe()
    rounds = 16
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(rounds):
        probe.setObjectName("probe")
    for _ in range(rounds):
        probe.ping.emit()
    lost_none = none_before - sys.getrefcount(None)
    lost_true = true_before - sys.getrefcount(True)
    return lost_none >= rounds or lost_true >= rounds


def _add_references(obj, n: int) -> bool:
    cell = ctypes.c_ssize_t.from_address(id(obj))  # ob_refcnt is the first field of a PyObject
    before = sys.getrefcount(obj)
    cell.value += n
    if sys.getrefcount(obj) - before != n:  # not the layout we expected: put it back
        cell.value -= n
        return False
    return True


def protect_singletons() -> bool:
    """Make None/True/False effectively immortal when the binding needs it; True if done."""
    global _protected
    if _protected or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return _protected
    if binding_drops_references():
        _protected = all(_add_references(obj, EXTRA_REFERENCES) for obj in (None, True, False))
    return _protected
