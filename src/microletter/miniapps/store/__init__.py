"""Mini apps' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.miniapps.store import apps, logins, uploads
from microletter.miniapps.store.uploads import REFERRERS
from microletter.storage import Facade, reads, writes_value

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
