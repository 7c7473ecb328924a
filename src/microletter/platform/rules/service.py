"""Customer service and automatic answers, pure: customer-service (kf) accounts, in
whose name an account's custom messages may be sent, and the auto-reply settings a
developer keeps in the console (on follow, by keyword, by default), rendered as the
protocol's get_current_autoreply_info.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from microletter.core.errors import InvalidInput, TooLarge
from microletter.core.ids import UserId
from microletter.core.models import Instant, JsonValue
from microletter.core.text import check_visible
from microletter.platform.errors import KfAccountInvalid, KfLimitReached, KfNicknameInvalid

KF_ACCOUNT_RE = re.compile(r"[A-Za-z0-9_]{1,10}@[\x21-\x7e]{1,64}")
MAX_KF = 100
FIRST_KF_ID = 1001
MAX_NICKNAME = 16


@dataclass(frozen=True, slots=True)
class KfAccount:
    account_id: UserId
    kf_account: str
    kf_id: int
    nickname: str
    created_at: Instant


def check_kf_account(raw: object) -> str:
    if not isinstance(raw, str) or not KF_ACCOUNT_RE.fullmatch(raw):
        raise KfAccountInvalid(field="kf_account")
    return raw


def check_nickname(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_NICKNAME:
        raise KfNicknameInvalid(field="nickname")
    return check_visible(raw.strip(), "nickname", "The nickname")


def check_kf_count(existing: int) -> None:
    if existing >= MAX_KF:
        raise KfLimitReached(max_accounts=MAX_KF)


def next_kf_id(highest: int | None) -> int:
    return FIRST_KF_ID if highest is None else max(FIRST_KF_ID, highest + 1)


def kf_data(kf: KfAccount) -> dict[str, JsonValue]:
    """What a message sent as a kf account carries, so clients show its name."""
    return {"kf": {"account": kf.kf_account, "nickname": kf.nickname}}


# --- auto-replies ---

MAX_REPLY = 600
MAX_RULES = 200
MAX_KEYWORDS = 10
MAX_REPLIES = 5
MATCH_MODES = ("contain", "equal")


@dataclass(frozen=True, slots=True)
class Keyword:
    text: str
    match: str  # contain | equal


@dataclass(frozen=True, slots=True)
class KeywordRule:
    name: str
    keywords: tuple[Keyword, ...]
    replies: tuple[str, ...]
    reply_all: bool  # every reply, or one of them
    created_at: Instant


@dataclass(frozen=True, slots=True)
class AutoReplies:
    """An account's automatic answers (text). `None`: that answer is off."""

    on_follow: str | None = None
    default: str | None = None
    keywords: tuple[KeywordRule, ...] = field(default_factory=tuple)


def _reply_text(raw: object, where: str) -> str | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise InvalidInput(f"{where} is text.", field=where)
    if len(raw) > MAX_REPLY:
        raise TooLarge(f"{where} is at most {MAX_REPLY} characters.", field=where)
    return check_visible(raw, where, "The reply")


def check_autoreplies(raw: Mapping[str, object], now: Instant) -> AutoReplies:
    """The console's settings: {on_follow, default, keywords: [{name, keywords: [{text,
    match}], replies: [text], reply_all}]}."""
    rules_raw = raw.get("keywords") or []
    if not isinstance(rules_raw, Sequence) or len(rules_raw) > MAX_RULES:
        raise InvalidInput(f"keywords is a list of at most {MAX_RULES} rules.", field="keywords")
    rules = [_keyword_rule(r, i, now) for i, r in enumerate(rules_raw)]
    return AutoReplies(
        _reply_text(raw.get("on_follow"), "on_follow"),
        _reply_text(raw.get("default"), "default"),
        tuple(rules),
    )


def _keyword_rule(raw: object, i: int, now: Instant) -> KeywordRule:
    where = f"keywords[{i}]"
    if not isinstance(raw, Mapping):
        raise InvalidInput(f"{where} is an object.", field=where)
    name = raw.get("name") or f"rule {i + 1}"
    words, replies = raw.get("keywords"), raw.get("replies")
    if not isinstance(name, str) or len(name) > 60:
        raise InvalidInput(f"{where}.name is at most 60 characters.", field=f"{where}.name")
    if not isinstance(words, Sequence) or not 1 <= len(words) <= MAX_KEYWORDS:
        raise InvalidInput(f"{where}.keywords has 1 to {MAX_KEYWORDS}.", field=where)
    if not isinstance(replies, Sequence) or not 1 <= len(replies) <= MAX_REPLIES:
        raise InvalidInput(f"{where}.replies has 1 to {MAX_REPLIES}.", field=where)
    keywords = []
    for word in words:
        text = word.get("text") if isinstance(word, Mapping) else None
        match = word.get("match", "contain") if isinstance(word, Mapping) else None
        if not isinstance(text, str) or not text.strip() or len(text) > 30:
            raise InvalidInput(f"{where}: a keyword is 1 to 30 characters.", field=where)
        if match not in MATCH_MODES:
            raise InvalidInput(f"{where}: match is contain or equal.", field=where)
        keywords.append(Keyword(text.strip(), str(match)))
    texts = [_reply_text(r, f"{where}.replies") for r in replies]
    if any(t is None for t in texts):
        raise InvalidInput(f"{where}: a reply is not empty.", field=f"{where}.replies")
    created = raw.get("created_at")
    at = Instant(created) if isinstance(created, int) and not isinstance(created, bool) else now
    return KeywordRule(
        name, tuple(keywords), tuple(t for t in texts if t), bool(raw.get("reply_all", True)), at
    )


def answers_messages(settings: AutoReplies) -> bool:
    """Whether followers' messages get an automatic answer (by keyword or by default)."""
    return settings.default is not None or bool(settings.keywords)


def replies_to(settings: AutoReplies, text: str) -> list[str]:
    """What a follower's text gets: the first keyword rule that matches (all its replies,
    or the first), else the default answer, else nothing."""
    said = text.strip()
    for rule in settings.keywords:
        for word in rule.keywords:
            hit = said == word.text if word.match == "equal" else word.text in said
            if hit:
                return list(rule.replies if rule.reply_all else rule.replies[:1])
    return [settings.default] if settings.default else []


def autoreply_info(settings: AutoReplies) -> dict[str, JsonValue]:
    """The protocol's get_current_autoreply_info."""
    info: dict[str, JsonValue] = {
        "is_add_friend_reply_open": int(settings.on_follow is not None),
        "is_autoreply_open": int(answers_messages(settings)),
    }
    if settings.on_follow is not None:
        info["add_friend_autoreply_info"] = {"type": "text", "content": settings.on_follow}
    if settings.default is not None:
        info["message_default_autoreply_info"] = {"type": "text", "content": settings.default}
    listed: list[JsonValue] = [
        {
            "rule_name": r.name,
            "create_time": r.created_at // 1000,
            "reply_mode": "reply_all" if r.reply_all else "random_one",
            "keyword_list_info": [
                {"type": "text", "match_mode": k.match, "content": k.text} for k in r.keywords
            ],
            "reply_list_info": [{"type": "text", "content": t} for t in r.replies],
        }
        for r in settings.keywords
    ]
    info["keyword_autoreply_info"] = {"list": listed}
    return info


def autoreplies_json(settings: AutoReplies) -> dict[str, JsonValue]:
    """The settings as the console reads and writes them (and as they are stored)."""
    rules: list[JsonValue] = [
        {
            "name": r.name,
            "keywords": [{"text": k.text, "match": k.match} for k in r.keywords],
            "replies": list(r.replies),
            "reply_all": r.reply_all,
            "created_at": r.created_at,
        }
        for r in settings.keywords
    ]
    return {"on_follow": settings.on_follow, "default": settings.default, "keywords": rules}
