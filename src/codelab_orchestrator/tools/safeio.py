"""File access that cannot be redirected after the path was checked.

:meth:`Workspace.resolve` checks where a path leads *now*; a command (or
anything else writing in the workspace) may swap a directory or file for a
symlink a moment later. So every operation here starts from a descriptor of
the workspace root and walks the already-resolved components with
``openat``-style calls (``dir_fd=``) and ``O_NOFOLLOW``: a component that has
become a symlink makes the open fail instead of leading outside. Files are
opened non-blocking (a FIFO cannot hang a tool), must be regular files, and
must have a single link: a hard link to a file elsewhere would otherwise be
read or changed in place.

Writes go to a temporary file created with ``O_EXCL | O_NOFOLLOW`` in the
same directory descriptor and are renamed over the target (a rename replaces
a symlink rather than following it).
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .workspace import WorkspaceError

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_SWAPPED = (errno.ELOOP, errno.ENOTDIR, errno.EMLINK)


def _refuse(rel: str | PurePosixPath, exc: OSError) -> WorkspaceError:
    if exc.errno in _SWAPPED:
        return WorkspaceError(f"{str(rel)!r}: a part of the path is not a directory or was "
                              "replaced by a symlink while it was being opened; refused")
    if exc.errno == errno.ENOENT:
        return WorkspaceError(f"{str(rel)!r} does not exist")
    return WorkspaceError(f"{str(rel)!r}: {exc.strerror or exc}")


@contextmanager
def open_dir(root: Path, parts: Sequence[str], create: bool = False) -> Iterator[int]:
    """A descriptor of ``root/parts...``, every component opened without following symlinks;
    ``create`` makes missing components (like ``mkdir -p``)."""
    fd = os.open(root, _DIR_FLAGS)
    try:
        for part in parts:
            if create:
                with suppress(FileExistsError):
                    os.mkdir(part, 0o777, dir_fd=fd)
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise _refuse(PurePosixPath(*parts), exc) from None
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def check_regular(rel: str | PurePosixPath, st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise WorkspaceError(f"{str(rel)!r} is not a regular file")
    if st.st_nlink > 1:
        raise WorkspaceError(f"{str(rel)!r} has {st.st_nlink} hard links, so it may also live "
                             "outside the workspace; file tools refuse hard-linked files")


def open_file_at(dir_fd: int, name: str, rel: str | PurePosixPath) -> tuple[int, os.stat_result]:
    """Open ``name`` in ``dir_fd`` for reading: regular, one link, not a symlink."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        raise _refuse(rel, exc) from None
    try:
        st = os.fstat(fd)
        check_regular(rel, st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


@contextmanager
def open_read(root: Path, rel: PurePosixPath) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """A binary file object for ``rel`` and its status, opened through checked descriptors."""
    if not rel.parts:
        raise WorkspaceError("the workspace root is a directory, not a file")
    with open_dir(root, rel.parts[:-1]) as dir_fd:
        fd, st = open_file_at(dir_fd, rel.parts[-1], rel)
    with os.fdopen(fd, "rb") as handle:
        yield handle, st


def read_bytes(root: Path, rel: PurePosixPath) -> bytes:
    with open_read(root, rel) as (handle, _):
        return handle.read()


def kind(root: Path, rel: PurePosixPath) -> str | None:
    """``"dir"``, ``"file"``, ``"other"`` or None (missing), without following a final symlink."""
    if not rel.parts:
        return "dir"
    try:
        with open_dir(root, rel.parts[:-1]) as dir_fd:
            st = os.stat(rel.parts[-1], dir_fd=dir_fd, follow_symlinks=False)
    except WorkspaceError:
        return None
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    return "file" if stat.S_ISREG(st.st_mode) else "other"


def write_atomic(root: Path, rel: PurePosixPath, data: bytes) -> None:
    """Create or replace ``rel`` with ``data``: temp file + rename inside the checked directory."""
    if not rel.parts:
        raise WorkspaceError("the workspace root is a directory")
    name = rel.parts[-1]
    with open_dir(root, rel.parts[:-1], create=True) as dir_fd:
        mode = 0o666
        try:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            st = None
        if st is not None:
            if stat.S_ISDIR(st.st_mode):
                raise WorkspaceError(f"{str(rel)!r} is a directory")
            if stat.S_ISREG(st.st_mode):
                mode = st.st_mode & 0o777
        tmp = f".{name[:200]}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                     mode, dir_fd=dir_fd)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                if st is not None:
                    os.fchmod(handle.fileno(), mode)
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise


def make_dirs(root: Path, rel: PurePosixPath) -> bool:
    """``mkdir -p`` through checked descriptors; True when the directory already existed."""
    existed = kind(root, rel) == "dir"
    try:
        with open_dir(root, rel.parts, create=True):
            pass
    except OSError as exc:
        raise _refuse(rel, exc) from None
    return existed


def walk(root: Path, rel: PurePosixPath) -> Iterator[tuple[PurePosixPath, list[str], list[str], int]]:
    """``os.fwalk`` below ``rel`` without following symlinks: (directory, subdirectories,
    files, directory descriptor). Prune the subdirectory list in place to skip some."""
    with open_dir(root, rel.parts) as top:
        for directory, dirs, files, dir_fd in os.fwalk(".", dir_fd=top, follow_symlinks=False):
            yield rel / directory, dirs, files, dir_fd
