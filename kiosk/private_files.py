"""Files only the kiosk's own user may read: 0600 files in 0700 folders, whatever the umask.

The journal and the logs hold masked member data, order numbers and the kiosk's own story; a
umask of 022 made them 0644 (readable by every local account). Folders this code creates are
0700 (every missing level, not only the last as Path.mkdir(parents=True) would); folders that
already exist keep their mode (an operator's 0750 for a log-reading group is theirs to choose).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: str | Path) -> Path:
    """`path` as a folder; each missing level is created 0700."""
    path = Path(path)
    missing = []
    at = path
    while not at.exists():
        missing.append(at)
        if at.parent == at:
            break
        at = at.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made meanwhile by another thread or process
        os.chmod(folder, DIR_MODE)  # mkdir's mode passes through the umask
    return path


def private_file(path: str | Path) -> Path:
    """`path` exists and is 0600 (created empty if missing; an existing one is narrowed)."""
    path = Path(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def narrow(path: str | Path) -> None:
    """Make an existing file 0600; nothing if it is missing."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(path, FILE_MODE)
