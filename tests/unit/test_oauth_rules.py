"""OAuth's pure rules (platform/rules/oauth.py): registered domains, the host a redirect_uri
goes to (refused wherever a browser could read it differently from Python), the redirect
that carries a code, and when a stored code may be spent."""

from __future__ import annotations

import pytest

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
from microletter.platform.rules.oauth import (
    MAX_DOMAINS,
    OAuthCode,
    check_code,
    check_domains,
    check_redirect,
    redirect_host,
    redirect_with,
)
from microletter.platform.rules.officials import Scope

ACCOUNT, USER = UserId(1), UserId(2)
T0 = Instant(1_000_000)
PAGE = "https://h5.example/app"
DOMAINS = ("h5.example",)


def test_domains_are_host_names_kept_lowercase_and_once() -> None:
    assert check_domains([" H5.Example ", "h5.example", "127.0.0.1", "localhost"]) == (
        "h5.example",
        "127.0.0.1",
        "localhost",
    )
    assert check_domains([]) == ()
    assert check_domains(["xn--fiqs8s.example"]) == ("xn--fiqs8s.example",)


@pytest.mark.parametrize(
    "bad",
    [
        "https://h5.example",
        "h5.example/",
        "h5.example:443",
        "*.h5.example",
        "h5..example",
        ".h5.example",
        "h5.example.",
        "-h5.example",
        "h5-.example",
        "h5_x.example",
        "中文.example",
        "[::1]",
        "user@h5.example",
        "",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5 + "example",
    ],
)
def test_anything_but_a_host_name_is_refused_as_a_domain(bad: str) -> None:
    with pytest.raises(OAuthDomainInvalid):
        check_domains([bad])


def test_an_account_has_a_bounded_number_of_domains() -> None:
    assert len(check_domains([f"h{n}.example" for n in range(MAX_DOMAINS)])) == MAX_DOMAINS
    with pytest.raises(OAuthDomainInvalid) as caught:
        check_domains([f"h{n}.example" for n in range(MAX_DOMAINS + 1)])
    assert caught.value.details == {"max_domains": MAX_DOMAINS}


@pytest.mark.parametrize(
    "uri",
    [
        PAGE,
        "http://h5.example:8080/app",
        "https://H5.EXAMPLE/",
        "HTTPS://h5.example",
        "https://h5.example?x=1",
        "https://h5.example#/route",
        "https://h5.example/中文",  # a path may be anything a browser will encode
    ],
)
def test_a_redirect_uri_on_a_registered_host_passes_whatever_the_port(uri: str) -> None:
    assert redirect_host(uri) == "h5.example"
    assert check_redirect(uri, DOMAINS) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "https://attacker.example/",
        "https://sub.h5.example/",
        "https://h5.example.attacker.example/",
        "https://h5.example./",
        "https://example/",
    ],
)
def test_any_other_host_is_a_domain_mismatch(uri: str) -> None:
    with pytest.raises(RedirectDomainMismatch) as caught:
        check_redirect(uri, DOMAINS)
    assert caught.value.details["registered"] == ["h5.example"]
    with pytest.raises(RedirectDomainMismatch):
        check_redirect(PAGE, ())  # no domain: nowhere


@pytest.mark.parametrize(
    "uri",
    [
        "https://h5.example@attacker.example/",
        "https://@h5.example/",
        "https://attacker.example\\@h5.example/",
        "https://attacker.example\\h5.example/",
        "https://h5.example/\\path",  # refused as a whole: a backslash has no place in a URL
        "https://h5.example\t/",
        "https://h5.exa\nmple/",
        " https://h5.example/",
        "https://h5.example/ x",
        "https://h5.example/\x7f",
        "https://h5.ex%61mple/",
        "https://h5.exam\u0440le/",  # a Cyrillic er: not ASCII in the host
        "https://h5.example:99999/",
        "https://h5.example:x/",
        "https:h5.example",
        "https:/h5.example",
        "https:///h5.example",
        "//h5.example/",
        "ftp://h5.example/",
        "javascript:alert(1)//h5.example",
        "/app",
        "",
        "https://h5.example/" + "a" * 1100,
    ],
)
def test_a_redirect_uri_a_browser_could_read_otherwise_is_invalid(uri: str) -> None:
    with pytest.raises(RedirectInvalid) as caught:
        redirect_host(uri)
    assert type(caught.value) is RedirectInvalid


def test_the_redirect_replaces_code_and_state_and_keeps_the_rest() -> None:
    planted = "https://h5.example/cb?code=X&a=1&state=Y&code=Z&b=&%63ode=W#frag"
    assert (
        redirect_with(planted, code="fresh", state="s1")
        == "https://h5.example/cb?a=1&b=&code=fresh&state=s1#frag"
    )
    assert redirect_with(planted, state="") == "https://h5.example/cb?a=1&b=#frag"
    assert redirect_with(PAGE, code="c") == PAGE + "?code=c"


def code(used_at: Instant | None = None, redirect_uri: str = PAGE) -> OAuthCode:
    return OAuthCode(ACCOUNT, USER, Scope.BASE, Instant(T0 + 10), used_at, redirect_uri)


def test_a_code_is_for_its_account_once_before_it_expires_and_towards_its_domain() -> None:
    live = code()
    assert check_code(live, ACCOUNT, DOMAINS, None, T0) is live
    assert check_code(live, ACCOUNT, DOMAINS, PAGE, T0) is live
    with pytest.raises(OAuthCodeInvalid):
        check_code(None, ACCOUNT, DOMAINS, None, T0)
    with pytest.raises(OAuthCodeInvalid):
        check_code(live, USER, DOMAINS, None, T0)
    with pytest.raises(OAuthCodeInvalid):
        check_code(live, ACCOUNT, DOMAINS, "https://h5.example/other", T0)
    with pytest.raises(OAuthCodeUsed):
        check_code(code(used_at=T0), ACCOUNT, DOMAINS, None, T0)
    with pytest.raises(OAuthCodeExpired):
        check_code(live, ACCOUNT, DOMAINS, None, Instant(T0 + 10))
    with pytest.raises(RedirectDomainMismatch):
        check_code(live, ACCOUNT, ("other.example",), None, T0)
    with pytest.raises(RedirectInvalid):
        check_code(code(redirect_uri=""), ACCOUNT, DOMAINS, None, T0)  # bound to nothing
