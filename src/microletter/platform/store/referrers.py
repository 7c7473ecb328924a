"""Which blobs the open platform still needs (ports.Referrer), for the media collector:
registered by `register_referrers` from the platform's door, wired in app.py.

- `oa_uploads`: an account's temporary media while they serve the protocol (`media_seconds`
  after the last upload), and pictures for articles (`img`, linked for good) always;
- `broadcasts`: the blob a broadcast carries (`oa_channel_posts.media_id`), for as long
  as the post exists;
- `materials`: the blob of a permanent material (`oa_materials.blob_id`), until the
  account deletes it.

Messages an account sends carry their blobs through the core's `media_refs`, like
anyone's. Units of work that make a new reference call `hold_media` first
(broadcasts.py)."""

from __future__ import annotations

from microletter.ports import Referrer


def media_referrers(media_seconds: int) -> tuple[Referrer, ...]:
    """The platform's referrers; temporary media serve for `media_seconds`."""
    fresh_ms = int(media_seconds) * 1000
    return (
        Referrer(
            "platform.oa_uploads",
            "SELECT media_id FROM oa_uploads WHERE media_id = ANY($1::text[])"
            f" AND (type = 'img' OR uploaded_at > $2::bigint - {fresh_ms})",
        ),
        Referrer(
            "platform.broadcasts",
            "SELECT media_id FROM oa_channel_posts WHERE media_id = ANY($1::text[])",
        ),
        Referrer(
            "platform.materials",
            "SELECT blob_id FROM oa_materials WHERE blob_id = ANY($1::text[])",
        ),
    )
