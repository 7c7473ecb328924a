"""Mini apps' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.miniapps.store import apps, games, logins, uploads
from microletter.miniapps.store.uploads import REFERRERS
from microletter.storage import Facade, reads, writes, writes_value

__all__ = ["REFERRERS", "MiniAppStore"]


class MiniAppStore(Facade):
    # registrations
    add_app = writes_value(apps.add_app)
    update_app = writes_value(apps.update_app)
    remove_app = writes_value(apps.remove_app)
    app = reads(apps.app)
    apps_of = reads(apps.apps_of)
    listed_apps = reads(apps.listed_apps)
    all_domains = reads(apps.all_domains)
    # logins and share tickets
    issue_code = writes_value(logins.issue_code)
    spend_code = writes_value(logins.spend_code)
    session_key = reads(logins.session_key)
    issue_share_ticket = writes_value(logins.issue_share_ticket)
    share_ticket = reads(logins.share_ticket)
    # uploadImage
    keep_upload = writes_value(uploads.keep_upload)
    uploaders = reads(uploads.uploaders)
    # games
    players = reads(games.players)
    records = reads(games.records)
    remove_records = writes_value(games.remove_records)
    standings = reads(games.standings)
    set_mute = writes_value(games.set_mute)
    is_muted = reads(games.is_muted)
    write_records = writes(games.save_records)
