"""Who runs coterm: the name of the real uid, from the system's user database. $USER and
$LOGNAME are claims anyone can set; recordings, events and approvals name the account."""

from __future__ import annotations

import os
import pwd


def user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def current_user() -> str:
    return user_name(os.getuid())
