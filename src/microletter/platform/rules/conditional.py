"""Conditional (personalized) menus, pure: check a `matchrule`, and pick the menu a
follower sees.

A rule names one or more of the protocol's fields; a follower matches when every field
the rule names matches them. The server knows a follower's tags (the account's own) and
language (their locale); it does not know their sex, country, province, city or client
platform, so a rule that names one of those matches nobody here. Of the conditional
menus that match, the newest wins (WeChat's order); none: the default menu.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from microletter.core.ids import UserId, parse_id
from microletter.core.models import Instant, JsonValue
from microletter.platform.errors import ConditionalMenuLimit, MatchRuleInvalid
from microletter.platform.rules.menus import Menu

MAX_CONDITIONAL = 20
KNOWN = ("tag_id", "language")
UNKNOWN = ("sex", "country", "province", "city", "client_platform_type")
LANGUAGES = frozenset(
    "zh_CN zh_TW zh_HK en id ms es ko it ja pl pt ru th vi ar hi he tr de fr".split()
)
Rule = dict[str, JsonValue]


@dataclass(frozen=True, slots=True)
class ConditionalMenu:
    account_id: UserId
    menu_id: int
    menu: Menu
    matchrule: Rule
    created_at: Instant


@dataclass(frozen=True, slots=True)
class Audience:
    """What the server knows of a follower to match rules against."""

    tags: frozenset[int]
    language: str  # the protocol's form: zh_CN, en


def language_of(locale: str) -> str:
    """A user's locale (BCP 47, zh-CN) in the protocol's form (zh_CN)."""
    return locale.replace("-", "_")


def check_matchrule(raw: object) -> Rule:
    """The rule's non-empty fields as strings; MatchRuleInvalid when it names none or a
    value is not one the protocol allows."""
    if not isinstance(raw, Mapping):
        raise MatchRuleInvalid("matchrule is an object.")
    rule: Rule = {}
    for name in (*KNOWN, *UNKNOWN):
        value = raw.get(name)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise MatchRuleInvalid(f"matchrule.{name} is a string.", field=name)
        rule[name] = str(value)
    if not rule:
        raise MatchRuleInvalid("matchrule names no field.")
    checks = {
        "tag_id": parse_id(str(rule.get("tag_id", "0"))) is not None,
        "sex": rule.get("sex", "1") in ("1", "2"),
        "client_platform_type": rule.get("client_platform_type", "1") in ("1", "2", "3"),
        "language": rule.get("language", "en") in LANGUAGES,
    }
    for name, ok in checks.items():
        if not ok:
            raise MatchRuleInvalid(f"matchrule.{name} is not a valid value.", field=name)
    return rule


def check_conditional_count(existing: int) -> None:
    if existing >= MAX_CONDITIONAL:
        raise ConditionalMenuLimit(max_menus=MAX_CONDITIONAL)


def matches(rule: Mapping[str, JsonValue], who: Audience) -> bool:
    if any(rule.get(name) for name in UNKNOWN):
        return False
    tag = rule.get("tag_id")
    # parse_id, not int(): a rule stored before tag ids were checked as ASCII digits
    # ('²') matches nobody instead of failing every look at the account.
    if tag and parse_id(str(tag)) not in who.tags:
        return False
    language = rule.get("language")
    return not language or language == who.language


def menu_for(
    default: Menu | None, conditional: Iterable[ConditionalMenu], who: Audience
) -> Menu | None:
    """The menu a follower sees: the newest matching conditional menu, or the default.
    Without a default menu there are no conditional ones either."""
    if default is None:
        return None
    newest_first: Sequence[ConditionalMenu] = sorted(
        conditional, key=lambda c: (c.created_at, c.menu_id), reverse=True
    )
    for candidate in newest_first:
        if matches(candidate.matchrule, who):
            return candidate.menu
    return default
