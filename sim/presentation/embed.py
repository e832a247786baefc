"""The one way an image gets into a report: checked bytes, embedded as a data URI.

A results folder is data that people e-mail and unzip, so a file in its `plots/` is embedded
only if it is a regular file (not a link, a FIFO or a device) that lies inside the folder and
starts with the PNG signature. Anything else is left out, never read into the HTML.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""A plot is well under a megabyte; anything larger is not one of ours."""


def safe_image_bytes(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of the PNG at `path` if it is a regular file inside `folder` (no symbolic link
    anywhere below the folder) with PNG magic bytes and at most MAX_IMAGE_BYTES; else None."""
    root = Path(folder).resolve()
    candidate = Path(path) if Path(path).is_absolute() else Path(folder) / path
    try:
        relative = Path(os.path.abspath(candidate)).relative_to(Path(os.path.abspath(folder)))
    except ValueError:
        return None
    current = root
    for part in relative.parts:  # no link at any level: a link could lead out of the folder
        current = current / part
        if current.is_symlink():
            return None
    return _read_png(current)


def _read_png(path: Path) -> bytes | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError:
        return None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_IMAGE_BYTES:
        os.close(descriptor)
        return None
    with os.fdopen(descriptor, "rb") as stream:
        data = stream.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES or not data.startswith(PNG_SIGNATURE):
        return None
    return data


def png_data_uri(data: bytes) -> str:
    """`data:image/png;base64,...` for PNG bytes; ValueError for anything that is not a PNG."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
