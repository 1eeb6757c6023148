"""Where the root daemon's code comes from: only root may be able to change it.

The daemon runs as root and imports its code from the checkout (``sandbox/``) and ``pyseccomp`` from the
virtualenv's site-packages. Whoever can write to any of those files, to a directory on their import path, or to
a directory above one (and so swap it for another), could run code as root. Outside development mode the daemon
refuses to start from such a place.
"""

from __future__ import annotations

import os
import stat
import sys

DEV_FLAG = "EXAMPREP_DEV_SANDBOX"


def _writable_by_others(info: os.stat_result, ancestor: bool) -> bool:
    """True when someone other than root can change this file or directory's entries.

    A world-writable directory with the sticky bit (``/tmp``) is accepted above a code location: others may add
    entries there but cannot rename or remove root's."""
    if info.st_uid != 0:
        return True
    mode = info.st_mode
    if mode & stat.S_IWGRP and info.st_gid != 0:
        return True
    if mode & stat.S_IWOTH:
        return not (ancestor and stat.S_ISDIR(mode) and mode & stat.S_ISVTX)
    return False


def _ancestors(path: str) -> list[str]:
    found = []
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return found
        found.append(parent)
        path = parent


def writable_code_path(root: str, extra_files: tuple[str, ...] = (), extra_trees: tuple[str, ...] = ()) -> str | None:
    """The first path among the daemon's code that someone other than root can change, or None.

    ``root``: the checkout (first on the daemon's import path); its ``sandbox/`` tree is checked file by file.
    ``extra_files``: other modules the daemon imported (``pyseccomp``); each file and its directory are checked.
    ``extra_trees``: what the daemon shows every environment (the AWS SDK's packages), checked file by file:
    whoever could change them could run code in every student's handler.
    """
    root = os.path.realpath(root)
    checked: list[tuple[str, bool]] = [(root, False)] + [(path, True) for path in _ancestors(root)]
    for tree in (os.path.join(root, "sandbox"), *(os.path.realpath(tree) for tree in extra_trees)):
        if tree != os.path.join(root, "sandbox"):
            checked.extend((path, True) for path in _ancestors(tree))
        if os.path.isfile(tree):
            checked.append((tree, False))
        for directory, _dirs, files in os.walk(tree):
            checked.append((directory, False))
            checked.extend((os.path.join(directory, name), False) for name in files)
    for extra in extra_files:
        extra = os.path.realpath(extra)
        checked.append((extra, False))
        checked.append((os.path.dirname(extra), False))
        checked.extend((path, True) for path in _ancestors(os.path.dirname(extra)))
    for path, ancestor in checked:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            continue
        if _writable_by_others(info, ancestor):
            return path
    return None


def imported_extras() -> tuple[str, ...]:
    """Files of modules outside the standard library that the daemon imported (today: ``pyseccomp``)."""
    module = sys.modules.get("pyseccomp")
    path = getattr(module, "__file__", None)
    return (path,) if path else ()
