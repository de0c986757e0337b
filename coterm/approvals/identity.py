"""Who is who on this host, from the system databases (uids and groups), never from claims."""

from __future__ import annotations

import grp
import os
import pwd
import socket

from coterm.approvals.model import ApprovalError
from coterm.whoami import current_user, user_name

__all__ = ["current_user", "user_name"]  # the approvals code imports them from here


def hostname() -> str:
    return socket.gethostname()


def group_gid(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ApprovalError(f"approvers group {name!r} does not exist on this host") from None


def group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def is_member(uid: int, group: str) -> bool:
    """Is the account with this uid in the group (as primary group, listed member, or via NSS)?"""
    try:
        pw = pwd.getpwuid(uid)
        gr = grp.getgrnam(group)
    except KeyError:
        return False
    if pw.pw_gid == gr.gr_gid or pw.pw_name in gr.gr_mem:
        return True
    try:
        return gr.gr_gid in os.getgrouplist(pw.pw_name, pw.pw_gid)
    except OSError:
        return False
