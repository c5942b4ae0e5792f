"""Writing a command's output file (`--json OUT`): safely, and without replacing what is not a file.

A regular file (or a new path) is written to a temporary file next to it and renamed into place,
so a reader never sees half of it. Anything else is written in place, because renaming over it
would replace it: a device (`/dev/null`: replaced by a regular file as root, it breaks every
program that writes there), a named pipe (its reader would never get the data), a terminal. A
symbolic link is followed and the rule applied to what it points to, so the link stays a link
(`/dev/stdout`). `-` is standard output.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def write_output(out: str, text: str) -> None:
    """Write `text` to `out` as above; raises OSError (the caller names the file)."""
    if out == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    path = Path(os.path.realpath(out)) if os.path.islink(out) else Path(out)
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        regular = True  # a new file
    if not regular:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def write_json_output(command: str, out: str, value) -> int:
    """`value` as indented JSON to `out` (as `write_output`); 0, or 1 after saying why it failed."""
    import json

    try:
        write_output(out, json.dumps(value, indent=1, ensure_ascii=False) + "\n")
    except OSError as e:
        print(f"culler {command}: could not write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    return 0
