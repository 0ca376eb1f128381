"""Untrusted input, read and shown safely: files inside their folder, regular and bounded while read;
found values cut short in messages.

Every file a fact names (a source's ``text_file``, from YAML or from a table) is read with
``read_inside(folder, name, cap)``: the name must be a relative name of plain parts (no absolute path,
no ``..``) that resolves inside ``folder`` once symbolic links are followed, the file must be a regular
file (a device, FIFO, socket or folder is refused before anything is read from it), and at most
``cap`` bytes are read, counted while reading: ``st_size`` is never trusted (``/dev/zero`` says 0).

Files the user names on the command line (``--rules``, ``--baseline``, a fact file) go through
``read_capped(path, cap)``: regular and bounded alike. Both raise ``UnsafeRead`` with a message that
says what was expected; ``NotFound`` (a subclass) when there is no such file.

Every place that puts a found value into an error message formats it with ``shown(value)``: its
``repr``, cut to ``MAX_SHOWN`` characters and followed by its length, so that a 1 MB cell is one short
line, not a megabyte repeated per error.

Standard library only: this module is on the check's start-up path.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

CHUNK = 1 << 20
MAX_SHOWN = 120  # characters of a found value an error message shows
MAX_MESSAGE = 1000  # characters of a whole error message

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
)


class UnsafeRead(Exception):
    """A file that is not read: the message says what was expected and what was found."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(UnsafeRead):
    """No such file (a name that is fine, but nothing is there)."""


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` for an error message, at most about ``limit`` characters: a long value is shown
    as its start and its length, ``'xxxx'… (1,048,576 characters)``."""
    if isinstance(value, (str, bytes)) and len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 14_000:  # repr refuses above 4,300 digits
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"
    try:
        text = repr(value)
    except ValueError:  # an int inside a container, too long to write out
        return f"a {type(value).__name__} too long to show"
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def cut(message: str, limit: int = MAX_MESSAGE) -> str:
    """A whole message at most about ``limit`` characters (for messages made elsewhere that may quote a
    long value whole)."""
    return message if len(message) <= limit else f"{message[:limit]}… ({len(message):,} characters)"


def kind_of(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words ("a character device")."""
    return next((what for test, what in _KINDS if test(mode)), "not a regular file")


def plain_name(name: str) -> str | None:
    """Why ``name`` is not a plain relative name (one or more parts, none of them '', '.' or '..',
    no drive or root, no NUL or backslash), or None when it is one."""
    if not name:
        return "expected a file name, found an empty one"
    if "\0" in name:
        return "expected a file name, found a NUL character in it"
    if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or PurePosixPath(name).is_absolute():
        return f"expected a file name relative to its folder, found the absolute path {shown(name)}"
    if "\\" in name:
        return f"expected a file name with '/' between folders, found a backslash in {shown(name)}"
    parts = name.split("/")
    if any(p in ("..", ".") for p in parts):
        return f"expected a file name inside its folder, found {shown(name)} (with '..' or '.')"
    if any(p == "" for p in parts):
        return f"expected a file name, found an empty part in {shown(name)}"
    return None


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` is ``folder`` or under it once both have their symbolic links followed."""
    try:
        return path.resolve(strict=False).is_relative_to(folder.resolve(strict=False))
    except (OSError, RuntimeError):  # a link loop
        return False


def regular_size(path: Path) -> int:
    """The size of the regular file at ``path`` (through links), for a reader that opens it itself;
    ``UnsafeRead`` for anything else, before it is opened (a FIFO would block the reader)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise NotFound("no such file") from None
    except (OSError, ValueError) as err:
        raise UnsafeRead(f"cannot be read: {getattr(err, 'strerror', None) or err}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeRead(f"expected a regular file, found {kind_of(st.st_mode)}")
    return st.st_size


def read_capped(path: Path, cap: int, follow: bool = True) -> bytes:
    """The bytes of the regular file at ``path``, at most ``cap`` of them (more is refused); with
    ``follow=False`` a symbolic link at ``path`` itself is refused rather than followed.

    The type is checked with ``os.stat`` before opening (a FIFO would block ``open``, a device
    never ends), and again on the open descriptor (the path may have changed in between)."""
    try:
        mode = os.stat(path, follow_symlinks=follow).st_mode
    except FileNotFoundError:
        raise NotFound("no such file") from None
    except (OSError, ValueError) as err:
        raise UnsafeRead(f"cannot be read: {getattr(err, 'strerror', None) or err}") from None
    if not stat.S_ISREG(mode):
        raise UnsafeRead(f"expected a regular file, found {kind_of(mode)}")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as err:
        raise UnsafeRead(f"cannot be read: {err.strerror or err}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnsafeRead(f"expected a regular file, found {kind_of(mode)}")
        chunks: list[bytes] = []
        left = cap + 1  # one byte more than allowed says the file is too large
        while left > 0:
            chunk = os.read(fd, min(CHUNK, left))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as err:
        raise UnsafeRead(f"cannot be read: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if left <= 0:
        raise UnsafeRead(f"expected at most {cap:,} bytes, found more")
    return b"".join(chunks)


def read_inside(folder: Path, name: str, cap: int) -> bytes:
    """The bytes of the file ``name`` names inside ``folder``, at most ``cap`` of them. Messages do not
    repeat the name or the folder: the caller says which file of which folder it was.

    Refused (``UnsafeRead``): a name that is not plain and relative, a name that leads out of the
    folder through a symbolic link, anything but a regular file, a file of more than ``cap`` bytes.
    ``NotFound`` when the name is fine but no file is there."""
    why = plain_name(name)
    if why is not None:
        raise UnsafeRead(why)
    path = folder / name
    try:
        resolved = path.resolve(strict=True)
        root = folder.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():  # a dangling link, wherever it was meant to lead
            raise UnsafeRead("expected a file inside the folder, found a symbolic link to nothing there") from None
        raise NotFound("no such file") from None
    except (OSError, RuntimeError) as err:  # a link loop, a part that is not a folder
        raise UnsafeRead(f"cannot be read: {getattr(err, 'strerror', None) or err}") from None
    if not resolved.is_relative_to(root):
        raise UnsafeRead("expected a file inside the folder, found a symbolic link that leads outside it (not followed)")
    return read_capped(resolved, cap, follow=False)  # resolved: no link left in it, unless one was put there since
