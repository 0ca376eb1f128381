"""Fact files as they are at a git commit, read from git's objects, never by checking anything out.

``git archive`` streams the files of a commit as a tar, which is unpacked into a temporary folder:
regular files and folders only (a symbolic link or any other kind of member is skipped, so a link at
the commit can neither point the check outside the folder nor stop it), and with tarfile's ``data``
filter besides (no absolute paths, no ``..``). The user's work tree and index are never touched. A
shallow clone works as long as the commit itself was fetched.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

TIMEOUT = 60


class GitError(Exception):
    """A ref or repository git cannot give us; the message says what to do."""


def _git(root: Path, *args: str, binary: bool = False) -> bytes | str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed; --base needs it") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {TIMEOUT} s") from None
    if done.returncode != 0:
        raise GitError(done.stderr.decode("utf-8", "replace").strip() or f"git {args[0]} failed")
    return done.stdout if binary else done.stdout.decode("utf-8", "replace").strip()


def repo_root(path: Path) -> Path:
    """The top of the work tree holding ``path``."""
    folder = path if path.is_dir() else path.parent
    try:
        return Path(str(_git(folder.resolve(), "rev-parse", "--show-toplevel")))
    except GitError:
        raise GitError(f"{path} is not inside a git work tree; --base compares with a git commit") from None


def resolve(root: Path, ref: str) -> str:
    """The commit id ``ref`` names, or a GitError that says how to fetch it."""
    if ref.startswith("-"):
        raise GitError(f"{ref!r} is not a git ref")
    try:
        return str(_git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"))
    except GitError:
        raise GitError(
            f"unknown git ref {ref!r}: no such branch, tag or commit here. In a shallow clone, fetch it first "
            f"(git fetch --depth=1 origin {ref})"
        ) from None


def export(root: Path, commit: str, paths: list[Path], into: Path) -> list[str]:
    """Write the files under ``paths`` (relative to ``root``) as they are at ``commit`` into ``into``;
    the names of the members skipped (symbolic links and anything else not a regular file or a folder)
    are returned. A tar that cannot be unpacked is a ``GitError``."""
    names = str(_git(root, "ls-tree", "-r", "-z", "--name-only", commit, "--", *(p.as_posix() for p in paths)))
    files = [n for n in names.split("\0") if n]
    if not files:
        return []  # the folder is new at head: nothing at the base
    data = _git(root, "archive", "--format=tar", commit, "--", *files, binary=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:  # type: ignore[arg-type]
            members = tar.getmembers()
            kept = [m for m in members if m.isfile() or m.isdir()]
            tar.extractall(into, members=kept, filter="data")
    except (tarfile.TarError, OSError) as err:  # FilterError is a TarError: a name out of the folder
        raise GitError(f"cannot unpack the files of commit {commit[:12]}: {err}") from None
    return [m.name for m in members if not (m.isfile() or m.isdir())]


def relative_to_root(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve())
    except ValueError:
        raise GitError(f"{path} is outside the git work tree at {root}") from None

