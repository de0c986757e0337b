"""The local spool on disk: its layout, its one-time setup, and safe reads and writes.

    SPOOL/              root:GROUP 0755
    SPOOL/requests/     root:GROUP 3773  setgid+sticky: anyone creates, only the owner replaces;
                                         only GROUP (approvers) may list
    SPOOL/decisions/    root:GROUP 3775  setgid+sticky: only GROUP members create; anyone reads;
                                         nobody replaces another's file

A request file is owned by its requester; a decision file by the approver who wrote it. Those
owners, read with fstat, are the identities that count: the JSON inside is only a claim.
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coterm.approvals.identity import group_gid, group_name
from coterm.approvals.model import ApprovalError

ROOT_MODE = 0o755
REQUESTS_MODE = 0o3773
DECISIONS_MODE = 0o3775
REQUEST_FILE_MODE = 0o640
DECISION_FILE_MODE = 0o644
MAX_FILE = 64 * 1024
ID_PATTERN = re.compile(r"[a-z2-7]{16}\Z")


@dataclass(frozen=True)
class Spool:
    root: Path

    @property
    def requests(self) -> Path:
        return self.root / "requests"

    @property
    def decisions(self) -> Path:
        return self.root / "decisions"

    def request_file(self, request_id: str) -> Path:
        return self.requests / f"{valid_id(request_id)}.json"

    def decision_file(self, request_id: str) -> Path:
        return self.decisions / f"{valid_id(request_id)}.json"


def valid_id(request_id: str) -> str:
    if not ID_PATTERN.match(request_id):
        raise ValueError(f"{request_id!r} is not a request id (16 characters a-z, 2-7)")
    return request_id


def setup_hint(spool: Spool, group: str) -> str:
    return (
        f"an administrator must run (as root): ddcoterm approvals setup --spool {spool.root} --group {group}"
    )


def setup(spool: Spool, group: str) -> list[str]:
    """Create or repair the spool for approvers in `group`. Run as root on a shared host.

    Returns one line per directory, saying what it is now.
    """
    gid = group_gid(group)
    owner = 0 if os.geteuid() == 0 else -1
    done = []
    for path, mode in (
        (spool.root, ROOT_MODE),
        (spool.requests, REQUESTS_MODE),
        (spool.decisions, DECISIONS_MODE),
    ):
        path.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or not path.is_dir():
            raise ApprovalError(f"{path} is not a directory")
        try:
            os.chown(path, owner, gid)
            os.chmod(path, mode)  # after chown: chown may clear the setgid bit
        except PermissionError:
            raise ApprovalError(
                f"cannot give {path} to group {group!r}: run this as root (or as a member of {group!r})"
            ) from None
        done.append(f"{path}  {stat.filemode(stat.S_IFDIR | mode)}  group {group}")
    return done


def check(spool: Spool, group: str) -> None:
    """Refuse a spool where a non-approver could plant or replace decisions. ApprovalError says why."""
    gid = group_gid(group)
    me = os.getuid()
    layout = (
        (spool.root, False, False, False),
        (spool.requests, True, True, True),
        (spool.decisions, True, True, False),
    )
    for path, sticky, group_writes, others_write in layout:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise ApprovalError(
                f"the approvals spool {path} does not exist; {setup_hint(spool, group)}"
            ) from None
        problem = _dir_problem(path, st, me, sticky, group_writes, others_write)
        if problem:
            raise ApprovalError(f"the approvals spool is not safe: {problem}; {setup_hint(spool, group)}")
    st = os.stat(spool.decisions)
    if st.st_gid != gid:
        raise ApprovalError(
            f"{spool.decisions} belongs to group {group_name(st.st_gid)!r}, not the approvers group "
            f"{group!r}; {setup_hint(spool, group)}"
        )


def _dir_problem(
    path: Path, st: os.stat_result, me: int, sticky: bool, group_writes: bool, others_write: bool
) -> str:
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is not a directory"
    if st.st_uid not in (0, me):
        return f"{path} is owned by uid {st.st_uid} (expected root)"
    if sticky and not st.st_mode & stat.S_ISVTX:
        return f"{path} lacks the sticky bit"
    if not others_write and st.st_mode & stat.S_IWOTH:
        return f"{path} is writable by everyone"
    if not group_writes and st.st_mode & stat.S_IWGRP:
        return f"{path} is writable by its group"
    return ""


def read_json(path: Path) -> tuple[dict[str, Any], os.stat_result]:
    """A spool file and its stat, without following symlinks. FileNotFoundError when absent,
    ValueError when it is not a small regular file holding a JSON object."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path} is not a regular file")
        data = os.read(fd, MAX_FILE + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_FILE:
        raise ValueError(f"{path} is too large")
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return value, st


def _write_temp(directory: Path, name: str, data: dict[str, Any], mode: int) -> Path:
    from coterm.approvals.model import new_request_id

    tmp = directory / f".{name}.{new_request_id()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)  # whatever the umask says
        os.write(fd, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def write_new(directory: Path, name: str, data: dict[str, Any], mode: int) -> None:
    """Create directory/name complete or not at all; FileExistsError if it exists (one decision per
    request: the second approver loses)."""
    tmp = _write_temp(directory, name, data, mode)
    try:
        os.link(tmp, directory / name)
    finally:
        os.unlink(tmp)


def write_replace(directory: Path, name: str, data: dict[str, Any], mode: int) -> None:
    """Atomically replace a file the caller owns (in a sticky directory nobody else can)."""
    tmp = _write_temp(directory, name, data, mode)
    try:
        os.replace(tmp, directory / name)
    except BaseException:
        os.unlink(tmp)
        raise
