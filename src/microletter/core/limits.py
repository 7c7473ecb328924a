"""The limits the rules enforce, set by the operator (see settings.py) and passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_bytes: int = 16 * 1024
    max_group_members: int = 500
    # A group of at least this many members is read-diffused for users whose devices all
    # read streams (docs/protocol.md, "Streams"): its messages are not in their logs.
    stream_members: int = 100
    stream_backlog: int = 200  # a stream's catch-up from an unknown position: its last N
    recall_window_ms: int = 120_000
    max_group_name: int = 64
    max_announcement: int = 2048
    max_greeting: int = 256
    max_sticker_bytes: int = 1024 * 1024
    # Friend requests to one person: after a decline, re-sending reaches them again only
    # after the cooldown; and at most `requests_per_day` sends a day (any status).
    request_cooldown_ms: int = 24 * 3_600_000
    requests_per_day: int = 3
    max_remark: int = 64
    max_description: int = 500
    max_client_msg_id: int = 64
    max_mentions: int = 50
    history_page: int = 100
    sync_page: int = 500
