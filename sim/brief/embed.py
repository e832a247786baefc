"""Which files a report may embed: real images of the results folder itself, nothing else.

A report is e-mailed, so whatever it embeds leaves the machine. A folder is data that may have
been crafted: `plots/capability.png` can be a symbolic link to `/etc/shadow`, a named pipe, a
huge file, or text that only claims to be an image. `safe_image_bytes` returns the bytes of a
plot only when it is a regular file (not a link), lies inside the folder once every link on
its way is resolved, is no larger than `MAX_IMAGE_BYTES`, and starts with the PNG signature.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from sim.files import MIB, UnreadableFileError, is_inside, read_regular_file

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_IMAGE_BYTES = 20 * MIB
"""Largest plot embedded (regsim's plots are some 100 KB)."""


def safe_image_bytes(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bytes | None:
    """The bytes of the PNG image at `path` if it may be embedded in a report of `folder`,
    else None (see the module docstring; `why_not_embedded` says why).

    `path` is absolute, or relative to `folder` ("plots/x.png"); `in_folder` gives that form
    of a path listed from a folder that may itself be relative."""
    data, _ = _image(Path(folder), Path(path))
    return data


def in_folder(folder: str | os.PathLike[str], listed: str | os.PathLike[str]) -> Path:
    """The path of `listed` (found by listing `folder`: `folder / "plots" / "x.png"`)
    relative to `folder`, so that it is not joined to `folder` twice when `folder` is a
    relative path."""
    return Path(listed).relative_to(Path(folder))


def why_not_embedded(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> str:
    """Why `safe_image_bytes` refuses `path`, in words (empty if it does not)."""
    return _image(Path(folder), Path(path))[1]


def _image(folder: Path, path: Path) -> tuple[bytes | None, str]:
    path = path if path.is_absolute() else folder / path
    if path.is_symlink():
        return None, "is a symbolic link"
    if not is_inside(folder, path):
        return None, "lies outside the folder"
    try:
        data = read_regular_file(path, MAX_IMAGE_BYTES, follow_symlinks=False)
    except UnreadableFileError as error:
        return None, error.reason
    if not data.startswith(PNG_SIGNATURE):
        return None, "is not a PNG image"
    return data, ""


def png_data_uri(data: bytes) -> str:
    """`data:image/png;base64,...` for PNG bytes; ValueError for anything that is not a PNG."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
