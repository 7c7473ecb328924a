"""The limits the rules enforce, set by the operator (see settings.py) and passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    max_text_bytes: int = 16 * 1024
    max_group_members: int = 500
    recall_window_ms: int = 120_000
    max_group_name: int = 64
    max_announcement: int = 2048
    max_greeting: int = 256
    max_remark: int = 64
    max_client_msg_id: int = 64
    max_mentions: int = 50
    history_page: int = 100
    sync_page: int = 500
