"""OAuth 2 web authorization, pure: the hosts an account may send codes to, whether a
redirect_uri goes to one of them, the redirect that carries a code, and when a stored code
may be spent.

Theory of operation. A code is a person's login for whoever holds it together with the
account's AppSecret: the site's backend exchanges it and treats the holder as that person.
So a code must only ever travel to the account's own site. As on WeChat, the developer
registers the account's web-authorization domains (full host names, compared exactly,
any port), and a redirect_uri on any other host is refused with errcode 10003 before
anything is minted or redirected. An account with no domain sends codes nowhere.

A redirect_uri is judged by the host a browser would go to. Where Python's parser and a
browser's (WHATWG URL) could disagree, the URL is refused rather than guessed at:
credentials (`a@b`), backslashes (a browser's path separator, not Python's), whitespace
and control characters (stripped or kept differently), percent signs or non-ASCII in
the host, and a missing `//`. What remains has one reading.

The code is bound to its account (only that AppID's secret can spend it), to its
redirect_uri (stored with it; a client that sends redirect_uri at the exchange, as RFC 6749
asks, must send the same one, and a code whose host is no longer registered is dead), and
it is spent once, within `oauth_code_seconds` (5 minutes).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.platform.errors import (
    OAuthCodeExpired,
    OAuthCodeInvalid,
    OAuthCodeUsed,
    OAuthDomainInvalid,
    RedirectDomainMismatch,
    RedirectInvalid,
)
from microletter.platform.rules.officials import MAX_URL, Scope

MAX_DOMAINS = 5  # WeChat allows 2 per official account; a little room for staging hosts
MAX_DOMAIN = 253
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
REPLACED = ("code", "state")  # the parameters the server writes into a redirect


def check_domain(text: str) -> str:
    """A web-authorization domain as stored: a full host name (or IPv4 address, for a
    developer's own machine), lowercase, no scheme, port, path or wildcard."""
    domain = text.strip().lower()
    if len(domain) > MAX_DOMAIN or not DOMAIN_RE.fullmatch(domain):
        raise OAuthDomainInvalid(f"{text[:80]!r} is not a host name.", domain=text[:MAX_DOMAIN])
    return domain


def check_domains(domains: Sequence[str]) -> tuple[str, ...]:
    """The account's domains, each once, in the order given."""
    unique = tuple(dict.fromkeys(check_domain(d) for d in domains))
    if len(unique) > MAX_DOMAINS:
        raise OAuthDomainInvalid(
            f"An account has at most {MAX_DOMAINS} web-authorization domains.",
            max_domains=MAX_DOMAINS,
        )
    return unique


def redirect_host(redirect_uri: str) -> str:
    """The host a browser would go to for `redirect_uri` (lowercase), if that is certain;
    RedirectInvalid otherwise (see the module's docstring)."""
    uri = redirect_uri
    shown = uri[:200]
    if len(uri) > MAX_URL or any(c <= " " or c in "\x7f\\" for c in uri):
        raise RedirectInvalid(redirect_uri=shown)
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not uri[len(parts.scheme) :].startswith("://"):
        raise RedirectInvalid(redirect_uri=shown)
    if not parts.netloc.isascii() or any(c in parts.netloc for c in "@%"):
        raise RedirectInvalid(redirect_uri=shown)
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise RedirectInvalid("The redirect_uri has a bad port.", redirect_uri=shown) from None
    if not parts.hostname:
        raise RedirectInvalid(redirect_uri=shown)
    return parts.hostname


def check_redirect(redirect_uri: str, domains: Sequence[str]) -> str:
    """`redirect_uri`, if its host is exactly one of `domains` (the port does not matter)."""
    host = redirect_host(redirect_uri)
    if host not in domains:
        raise RedirectDomainMismatch(host=host, registered=list(domains))
    return redirect_uri


def redirect_with(redirect_uri: str, **params: str) -> str:
    """`redirect_uri` with these query parameters. Any `code` or `state` it carries is
    dropped first: a page must receive exactly the code and state the server gave it,
    never one planted in the link. Its other parameters and its fragment stay."""
    parts = urlsplit(redirect_uri)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in REPLACED]
    query = kept + [(k, v) for k, v in params.items() if v]
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True, slots=True)
class OAuthCode:
    """A stored authorization code (the store keeps only its hash) and what it is bound
    to: its account, its person, its scope and the redirect_uri it was sent to."""

    account_id: UserId
    user_id: UserId
    scope: Scope
    expires_at: Instant
    used_at: Instant | None
    redirect_uri: str


def check_code(
    code: OAuthCode | None,
    account_id: UserId,
    domains: Sequence[str],
    redirect_uri: str | None,
    now: Instant,
) -> OAuthCode:
    """The code, if `account_id` may spend it now: its own account's, once only, before
    it expires, towards a host still registered, and, if the exchange names a
    redirect_uri, the same one (None: no code has that hash)."""
    if code is None or code.account_id != account_id:
        raise OAuthCodeInvalid()
    if redirect_uri is not None and redirect_uri != code.redirect_uri:
        raise OAuthCodeInvalid("The code was issued for another redirect_uri.")
    if code.used_at is not None:
        raise OAuthCodeUsed()
    if code.expires_at <= now:
        raise OAuthCodeExpired()
    check_redirect(code.redirect_uri, domains)
    return code
