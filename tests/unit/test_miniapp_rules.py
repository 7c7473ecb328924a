"""Mini apps' rules: the JS-safe domain of a URL, what a registration may hold, the CSP
frame sources, the calls a configured page may make, login codes, cards and the opaque
group id."""

from __future__ import annotations

import pytest

from microletter.core.ids import ConversationId, UserId
from microletter.core.models import Instant
from microletter.miniapps.errors import (
    AppDomainInvalid,
    AppNameInvalid,
    AppUrlInvalid,
    LoginCodeExpired,
    LoginCodeUsed,
    SharePathInvalid,
)
from microletter.miniapps.rules import (
    AppId,
    LoginCode,
    MiniApp,
    check_app,
    check_code,
    check_share,
    domain_of,
    frame_sources,
    granted_apis,
    is_js_safe,
    open_gid,
    page_url,
)

APP = MiniApp(
    AppId(1),
    UserId(2),
    "Quiz",
    "",
    "https://h5.example.com/index.html",
    ("h5.example.com", "127.0.0.1:8080"),
    Instant(0),
    Instant(0),
)


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("https://H5.Example.com/a?b", "h5.example.com"),
        ("https://h5.example.com:443/", "h5.example.com"),
        ("http://h5.example.com:80/", "h5.example.com"),
        ("https://h5.example.com:8443/", "h5.example.com:8443"),
        ("http://127.0.0.1:8080", "127.0.0.1:8080"),
        ("javascript:alert(1)", None),
        ("https://user@h5.example.com/", None),
        ("https:/h5.example.com/", None),
        ("https://h5.example.com\\@evil.example/", None),
        ("https://h5.example.com:99999/", None),
        ("https://[::1]/", None),
    ],
)
def test_the_js_safe_domain_of_a_url_is_its_host_and_any_other_port(
    url: str, domain: str | None
) -> None:
    assert domain_of(url) == domain


def test_a_registration_is_checked_and_cleaned() -> None:
    draft = check_app(
        "  Quiz   time ", "", "https://h5.example.com/", ["H5.example.com", "h5.example.com"], []
    )
    assert draft.name == "Quiz time" and draft.domains == ("h5.example.com",)
    with pytest.raises(AppNameInvalid):
        check_app("", "", "https://h5.example.com/", ["h5.example.com"], [])
    with pytest.raises(AppUrlInvalid):  # not on a JS-safe domain
        check_app("Q", "", "https://other.example/", ["h5.example.com"], [])
    with pytest.raises(AppDomainInvalid):
        check_app("Q", "", "https://h5.example.com/", ["*.example.com"], [])
    with pytest.raises(AppDomainInvalid):  # the client's own origin
        check_app(
            "Q", "", "http://chat.example:8000/", ["chat.example:8000"], ["chat.example:8000"]
        )
    with pytest.raises(AppDomainInvalid):
        check_app("Q", "", "https://a.example/", [f"d{i}.example" for i in range(6)], [])


def test_frames_are_allowed_from_registered_domains_only() -> None:
    assert frame_sources([]) == "'none'"
    assert frame_sources(["b.example", "a.example:8080", "b.example"]) == "a.example:8080 b.example"
    assert is_js_safe(APP, "https://h5.example.com/x") and not is_js_safe(
        APP, "https://evil.example/"
    )


def test_a_page_may_call_what_it_named_and_the_server_provides() -> None:
    granted = granted_apis(["chooseImage", "openLocation", "chooseImage"])
    assert "chooseImage" in granted and "openLocation" not in granted and "login" in granted
    voice = granted_apis(["startRecord", "stopRecord", "uploadVoice", "translateVoice"])
    assert {"startRecord", "stopRecord", "uploadVoice"} <= set(voice)
    assert "translateVoice" not in voice and "playVoice" not in voice  # only what it named


def test_a_login_code_is_spent_once_before_it_expires() -> None:
    fresh = LoginCode(AppId(1), UserId(2), Instant(1000), None)
    check_code(fresh, Instant(999))
    with pytest.raises(LoginCodeExpired):
        check_code(fresh, Instant(1000))
    with pytest.raises(LoginCodeUsed):
        check_code(LoginCode(AppId(1), UserId(2), Instant(1000), Instant(5)), Instant(6))


def test_a_card_names_a_page_of_the_app_only() -> None:
    card = check_share(APP, "", "/q?id=7", "")
    assert card.title == "Quiz" and page_url(APP, card.path) == "https://h5.example.com/q?id=7"
    assert check_share(APP, "Hi", "http://127.0.0.1:8080/x", "").path == "http://127.0.0.1:8080/x"
    for bad in ("//evil.example/", "https://evil.example/", "/a\nb", "javascript:x"):
        with pytest.raises(SharePathInvalid):
            check_share(APP, "t", bad, "")
    with pytest.raises(AppUrlInvalid):
        check_share(APP, "t", "/", "data:image/png;base64,AA")


def test_the_group_id_is_opaque_and_differs_by_account() -> None:
    key = b"k" * 32
    one = open_gid(key, UserId(2), ConversationId(77))
    assert one == open_gid(key, UserId(2), ConversationId(77))
    assert one != open_gid(key, UserId(3), ConversationId(77))
    assert one != open_gid(key, UserId(2), ConversationId(78))
    assert one.startswith("G") and len(one) == 28
