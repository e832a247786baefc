"""Reading input files safely: regular files only, size-capped, never blocking.

Scenario files and results folders are data that arrive by e-mail: a name in them may point at
a device (`/dev/zero` never ends), a named pipe (a read blocks forever), a symlink loop or a
file elsewhere on the machine. `read_regular_file` opens without blocking, checks what it
opened, refuses anything but a regular file (and, where asked, symbolic links), and reads at
most a given number of bytes.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

MIB = 1024 * 1024


class UnreadableFileError(OSError):
    """A file that cannot be read as data; `reason` says why, in words ("is a named pipe")."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


def kind_of(path: str | os.PathLike[str], follow_symlinks: bool = True) -> str | None:
    """Why `path` is not a regular file, in words ("is a directory", "file not found", "is a
    symlink loop", ...), or None if it is one."""
    try:
        info = os.stat(path, follow_symlinks=follow_symlinks)
    except FileNotFoundError:
        return "is a broken symbolic link" if os.path.islink(path) else "file not found"
    except OSError as error:
        return _errno_reason(error, follow_symlinks)
    except ValueError:  # a NUL byte in the name
        return "is not a valid file name"
    return _mode_reason(info.st_mode, follow_symlinks)


def read_regular_file(
    path: str | os.PathLike[str], max_bytes: int, follow_symlinks: bool = True
) -> bytes:
    """The bytes of the regular file at `path`, at most `max_bytes` of them.

    Raises UnreadableFileError if it is missing, not a regular file (a directory, device, named
    pipe, socket, symlink loop, or, without `follow_symlinks`, a symbolic link), unreadable,
    or larger than `max_bytes`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        handle = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableFileError(path, kind_of(path) or "file not found") from None
    except OSError as error:
        raise UnreadableFileError(path, _errno_reason(error, follow_symlinks)) from None
    except ValueError:
        raise UnreadableFileError(path, "is not a valid file name") from None
    try:
        info = os.fstat(handle)
        reason = _mode_reason(info.st_mode, True)
        if reason is not None:
            raise UnreadableFileError(path, reason)
        if info.st_size > max_bytes:
            raise UnreadableFileError(path, _too_large(info.st_size, max_bytes))
        data = _read_up_to(handle, max_bytes + 1)
    except UnreadableFileError:
        raise
    except OSError as error:
        raise UnreadableFileError(path, f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(handle)
    if len(data) > max_bytes:  # it grew while being read
        raise UnreadableFileError(path, _too_large(len(data), max_bytes))
    return data


def _read_up_to(handle: int, limit: int) -> bytes:
    os.set_blocking(handle, True)  # a regular file: blocking reads are finite
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(handle, min(MIB, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _mode_reason(mode: int, followed: bool) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISLNK(mode) and not followed:
        return "is a symbolic link; only regular files are read"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a file"
    return "is not a regular file"


def _errno_reason(error: OSError, follow_symlinks: bool) -> str:
    if error.errno == errno.ELOOP:
        if follow_symlinks:
            return "is a symlink loop"
        return "is a symbolic link; only regular files are read"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if error.errno == errno.ENAMETOOLONG:
        return "file name too long"
    if error.errno == errno.ENXIO:
        return "is a socket or device without a reader, not a file"
    if error.errno == errno.ENOTDIR:
        return "file not found (a part of the path is not a folder)"
    return f"cannot read: {error.strerror or error}"


def _too_large(size: int, max_bytes: int) -> str:
    return f"is too large ({_size(size)}; the limit is {_size(max_bytes)})"


def _size(count: int) -> str:
    return f"{count / MIB:.1f} MiB" if count >= MIB else f"{count:,} bytes"


def is_inside(folder: Path, path: Path) -> bool:
    """Whether `path`, with every symbolic link resolved, lies inside `folder` (resolved)."""
    try:
        root = Path(folder).resolve(strict=True)
        target = Path(path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return False
    return target == root or root in target.parents


def folder_entry(path: str | os.PathLike[str]) -> Path | None:
    """`path` if it is a regular file (not a symbolic link), None if nothing is there.

    The one rule for a file of a results folder that is read later by path (a Parquet table
    opened by pyarrow, which would follow a link anywhere): raises UnreadableFileError if
    something else is there (a link, even to a file inside the folder, a folder, a pipe)."""
    if not os.path.lexists(path):
        return None
    reason = kind_of(path, follow_symlinks=False)
    if reason is not None:
        raise UnreadableFileError(path, reason)
    return Path(path)
