"""Moments' facade, on the one database (built in app.py)."""

from __future__ import annotations

from microletter.moments.store import notices as _notices
from microletter.moments.store import posts as _posts
from microletter.moments.store import reactions as _reactions
from microletter.moments.store import tags as _tags
from microletter.ports import Referrer
from microletter.storage import Facade, reads, writes, writes_value

__all__ = ["REFERRERS", "MomentsStore"]


class MomentsStore(Facade):
    create_post = writes_value(_posts.create_post)
    delete_post = writes_value(_posts.delete_post)
    timeline = reads(_posts.timeline)
    album = reads(_posts.album)
    post = reads(_posts.post)
    latest_author = reads(_posts.latest_author)
    like = writes(_reactions.like)
    unlike = writes_value(_reactions.unlike)
    comment = writes(_reactions.comment)
    delete_comment = writes_value(_reactions.delete_comment)
    notices = reads(_notices.notices)
    unread = reads(_notices.unread)
    resolve_refs = reads(_notices.resolve_refs)
    mark_read = writes_value(_tags.mark_read)
    tags = reads(_tags.tags)
    create_tag = writes(_tags.create_tag)
    update_tag = writes(_tags.update_tag)
    delete_tag = writes(_tags.delete_tag)
    settings = reads(_tags.settings)
    set_settings = writes_value(_tags.set_settings)
    switches = reads(_tags.switches)
    set_switches = writes_value(_tags.set_switches)
    visible_pictures = reads(_tags.visible_pictures)


# What the media collector asks (ports.Referrer): the blobs posts not deleted still show,
# and each user's cover picture.
REFERRERS = (
    Referrer(
        "moments.posts",
        "SELECT media_id FROM moment_media WHERE media_id = ANY($1::text[])",
    ),
    Referrer(
        "moments.cover",
        "SELECT cover FROM moment_settings WHERE cover = ANY($1::text[])",
    ),
)
