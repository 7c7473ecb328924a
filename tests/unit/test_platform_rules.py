"""The open platform's pure rules: credentials, OpenIDs, tokens, menus, articles, QR
requests, the reply window, templates, and what counts as a public address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.models import Instant
from microletter.platform.errors import (
    MenuInvalid,
    MessageTypeUnsupported,
    ReplyWindowClosed,
    WebhookRefused,
)
from microletter.platform.rules import grants
from microletter.platform.rules.grants import Grant, Kind
from microletter.platform.rules.menus import as_protocol, check_menu, press
from microletter.platform.rules.officials import (
    APPID_RE,
    CREDENTIAL_BYTES,
    ORIGINAL_ID_RE,
    PlatformLimits,
    Scope,
    aes_key_bytes,
    check_articles,
    check_custom_kind,
    check_qr_request,
    check_reply_window,
    check_webhook_url,
    make_credentials,
    openid_for,
    render_template,
    unionid_for,
)
from microletter.platform.webhook import is_public

KEY = b"k" * 32


def test_credentials_have_the_protocol_s_shapes() -> None:
    creds = make_credentials(bytes(range(CREDENTIAL_BYTES)))
    assert APPID_RE.fullmatch(creds.appid) and ORIGINAL_ID_RE.fullmatch(creds.original_id)
    assert len(creds.appsecret) == 32 and 3 <= len(creds.token) <= 32
    assert len(aes_key_bytes(creds.encoding_aes_key)) == 32
    with pytest.raises(ValueError, match="random bytes"):
        make_credentials(b"short")


@pytest.mark.parametrize("key", ["short", "!" * 43, "A" * 44, "A" * 42 + "="])
def test_a_bad_encoding_aes_key_is_refused(key: str) -> None:
    with pytest.raises(InvalidInput):
        aes_key_bytes(key)


def test_openids_are_pairwise_and_unionids_per_developer() -> None:
    alice, bob = UserId(1), UserId(2)
    one, two = UserId(10), UserId(11)
    assert openid_for(KEY, one, alice) != openid_for(KEY, two, alice)
    assert openid_for(KEY, one, alice) != openid_for(KEY, one, bob)
    assert openid_for(KEY, one, alice) == openid_for(KEY, one, alice)
    assert len(openid_for(KEY, one, alice)) == 28 and openid_for(KEY, one, alice)[0] == "o"
    assert unionid_for(KEY, UserId(5), alice) != unionid_for(KEY, UserId(6), alice)
    assert openid_for(b"other key" * 4, one, alice) != openid_for(KEY, one, alice)


def test_a_token_reads_back_its_grant_and_nothing_else() -> None:
    grant = Grant(Kind.OAUTH, UserId(7), 1_700_000_000_000, 3, UserId(9), Scope.USERINFO)
    token = grants.mint(KEY, grant)
    assert grants.read(KEY, token) == grant
    assert grants.read(b"x" * 32, token) is None  # another server's key
    body, mac = token.split(".")
    assert grants.read(KEY, body + "." + mac[:-1] + ("A" if mac[-1] != "A" else "B")) is None
    tampered = body[:5] + ("B" if body[5] != "B" else "C") + body[6:]
    assert grants.read(KEY, tampered + "." + mac) is None
    for junk in ("", ".", "a.b.c", "x" * 200, "!!!.???"):
        assert grants.read(KEY, junk) is None
    assert not grant.expired(1_700_000_000_000 + 7_199_999, 7200)
    assert grant.expired(1_700_000_000_000 + 7_200_000, 7200)


@given(st.binary(max_size=80))
def test_no_byte_string_is_mistaken_for_a_token(noise: bytes) -> None:
    assert grants.read(KEY, noise.decode("latin-1")) is None


def test_a_menu_is_normalized_and_pressed() -> None:
    menu = check_menu(
        {
            "button": [
                {"type": "click", "name": "A", "key": "K1", "extra": "dropped"},
                {"name": "B", "type": "click", "sub_button": [
                    {"type": "view", "name": "Site", "url": "https://e.com"},
                    {"type": "scancode_push", "name": "Scan", "key": "S"},
                ]},
            ]
        }
    )  # fmt: skip
    assert menu[0] == {"type": "click", "name": "A", "key": "K1"}
    assert "type" not in menu[1]
    nested = as_protocol(menu)[1]["sub_button"]  # a JSON value: its shape is what is tested
    assert isinstance(nested, list) and nested[0]["sub_button"] == []
    assert (press(menu, [0]).event, press(menu, [0]).key) == ("CLICK", "K1")
    view = press(menu, [1, 0])
    assert (view.event, view.key, view.url) == ("VIEW", "https://e.com", "https://e.com")
    assert press(menu, [1, 1]).event == "scancode_push"
    for path in ([1], [2], [0, 0], [], [1, 9]):
        with pytest.raises(MenuInvalid):
            press(menu, path)


@pytest.mark.parametrize(
    "body",
    [
        None,
        {"button": "x"},
        {"button": [{"type": "click", "name": "A", "key": "K"}] * 4},
        {"button": [{"type": "click", "name": "名字太长了名字太长了", "key": "K"}]},  # > 16 bytes
        {"button": [{"type": "click", "name": "A", "key": "k" * 129}]},
        {"button": [{"type": "miniprogram", "name": "A", "url": "https://e.com", "appid": "wx1"}]},
    ],
)
def test_a_bad_menu_is_refused(body: object) -> None:
    with pytest.raises(MenuInvalid):
        check_menu(body)


def test_articles_must_link_to_web_pages() -> None:
    cards = check_articles([{"title": "T", "url": "https://e.com", "image": "http://e.com/p.jpg"}])
    assert cards == [
        {"title": "T", "description": "", "url": "https://e.com", "picurl": "http://e.com/p.jpg"}
    ]
    for bad in (
        [],
        [{"title": "T"}] * 11,
        [{"title": "T", "url": "javascript:alert(1)"}],
        [{"title": "T", "picurl": "file:///etc/passwd"}],
        [{"description": ""}],
        [{"title": 5}],
    ):
        with pytest.raises(InvalidInput):
            check_articles(bad)


def test_qr_requests_follow_the_protocol() -> None:
    temp = check_qr_request("QR_SCENE", {"scene_id": 5}, 30)
    assert (temp.scene_id, temp.permanent, temp.expire_seconds) == (5, False, 60)  # at least 60
    long = check_qr_request("QR_STR_SCENE", {"scene_str": "a-b"}, 10**9)
    assert long.expire_seconds == 30 * 86400
    assert check_qr_request("QR_LIMIT_SCENE", {"scene_id": 100000}, None).permanent
    for action, scene in (
        ("QR_LIMIT_SCENE", {"scene_id": 100001}),
        ("QR_SCENE", {"scene_id": 0}),
        ("QR_SCENE", {"scene_id": True}),
        ("QR_STR_SCENE", {"scene_str": "has space"}),
        ("QR_WHAT", {"scene_id": 1}),
    ):
        with pytest.raises(InvalidInput):
            check_qr_request(action, scene, None)


def test_customer_service_messages_need_a_recent_action() -> None:
    window = PlatformLimits().reply_window_seconds * 1000
    now = Instant(1_000_000_000_000)
    check_reply_window(Instant(now - 47 * 3_600_000), now, window)
    with pytest.raises(ReplyWindowClosed) as caught:
        check_reply_window(Instant(now - 49 * 3_600_000), now, window)
    assert caught.value.details["window_hours"] == 48
    with pytest.raises(ReplyWindowClosed):
        check_reply_window(None, now, window)
    with pytest.raises(MessageTypeUnsupported):
        check_custom_kind("music")


def test_templates_fill_their_placeholders() -> None:
    data: dict[str, dict[str, object]] = {"name": {"value": "Ann"}, "n": {"value": 3}}
    assert render_template("Hi {{name.DATA}}, {{ n.DATA }} new; {{gone.DATA}}!", data) == (
        "Hi Ann, 3 new; !"
    )
    assert render_template("", data) == "name: Ann\nn: 3"


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/hook", True),
        ("http://example.com:8080/hook?x=1", True),
        ("ftp://example.com/", False),
        ("https:///nohost", False),
        ("https://u:p@example.com/", False),
        ("https://example.com/#frag", False),
        ("https://example.com:99999/", False),
    ],
)
def test_webhook_urls_have_a_form(url: str, ok: bool) -> None:
    if ok:
        assert check_webhook_url(url) == url
    else:
        with pytest.raises(WebhookRefused):
            check_webhook_url(url)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.5", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("not an ip", False),
    ],
)
def test_only_public_addresses_are_reachable(address: str, public: bool) -> None:
    assert is_public(address) is public
