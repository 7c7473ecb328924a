"""The one-time token of the operator setup link, kept in the data folder.

Usernames listed in MICROLETTER_OPERATORS are reserved: public sign-up refuses them, so
nobody can take an operator's name before the operator does. While a listed name has no
account, `microletter serve` prints a link carrying this token; the link creates one
operator account, once (actions.accounts.register_operator).

Why a file, and not memory or the database: every worker process of `serve --workers N`
must accept the token that the one printed link carries, a restart must not break a
link already printed, and the storage room gains no table for one secret. The file
(owner-readable only, beside the database and the media key) is shared by the workers;
taking the token is removing the file, which one process wins (os.unlink is atomic), so
the link works once however many processes serve it. Machines of a cluster have data
folders of their own: a link works on the machine that printed it.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "operator-setup.token"  # noqa: S105 - a file name, not a secret


class OperatorSetup:
    """The setup token of one data folder (see the module)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / TOKEN_FILE

    def prepare(self, needed: bool) -> str | None:
        """The token of the link to print: the pending one (a restart keeps its link),
        or a new one. None, and no file, when no operator account is missing."""
        if not needed:
            self.path.unlink(missing_ok=True)
            return None
        pending = self.pending()
        if pending is not None:
            return pending
        self._write(secrets.token_urlsafe(32))
        return self.pending()

    def pending(self) -> str | None:
        try:
            return self.path.read_text().strip() or None
        except FileNotFoundError:
            return None

    def claim(self, token: str) -> bool:
        """Take the token if `token` is it: True for exactly one caller, in all the
        processes sharing the data folder."""
        pending = self.pending()
        if pending is None or not hmac.compare_digest(pending.encode(), token.encode()):
            return False
        try:
            self.path.unlink()
        except FileNotFoundError:  # another request, maybe in another process, took it
            return False
        return True

    def restore(self, token: str) -> None:
        """Give a claimed token back: the account could not be made, so the link must
        still work (unless a new token was made meanwhile)."""
        self._write(token)

    def _write(self, token: str) -> None:
        # Written whole under a temporary name, then linked into place: a worker starting
        # at the same moment reads no token or the whole one; the first link wins.
        self.data_dir.mkdir(parents=True, exist_ok=True)
        staging = self.data_dir / f".{TOKEN_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(staging, self.path)
        except FileExistsError:
            pass
        finally:
            staging.unlink()


def setup_link(base_url: str, token: str) -> str:
    """The link to open in a browser. The token is in the fragment, which browsers never
    send to a server, so it stays out of proxies' and servers' access logs."""
    return f"{base_url.rstrip('/')}/#/setup/{token}"
