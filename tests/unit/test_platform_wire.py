"""Pushes and passive replies as bytes: what we send parses in wechatpy, and what comes
back is accepted only when it is a valid reply for this push."""

from __future__ import annotations

import pytest
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.replies import ArticlesReply, TextReply

from microletter.core.events import AccountEvent
from microletter.core.ids import ConversationId, MessageId, UserId
from microletter.core.models import Instant, Message, MessageKind
from microletter.platform import xmlcodec
from microletter.platform.pushes import (
    BadReply,
    build_push,
    event_fields,
    message_fields,
    read_reply,
)
from microletter.platform.rules.officials import MessageMode, OfficialAccount

TOKEN = "microletter"
AES = "MicroLetterTestKey0123456789abcdefghijklmno"
OPENID = "oUser1"


def account(mode: MessageMode) -> OfficialAccount:
    return OfficialAccount(
        UserId(10), UserId(1), "wx0000000000000001", "gh_000000000001", "A", "", None, b"",
        1, TOKEN, AES, "http://hook", mode, None, None, 0, 0, 0, Instant(0),
    )  # fmt: skip


def text(content: str) -> Message:
    return Message(
        MessageId(2**52 + 5), ConversationId(3), 1, UserId(2), "c", MessageKind.TEXT, content,
        None, (), False, Instant(1_700_000_000_123),
    )  # fmt: skip


@pytest.mark.parametrize("mode", list(MessageMode))
def test_a_pushed_message_parses_in_wechatpy(mode: MessageMode) -> None:
    a = account(mode)
    fields = message_fields(a, OPENID, text("a ]]> b & <c>"))
    push = build_push(a, OPENID, fields, 1700000000, "n0nce", b"0123456789abcdef")
    body = push.body
    if mode is not MessageMode.PLAINTEXT:
        crypto = WeChatCrypto(TOKEN, AES, a.appid)
        q = push.query
        body = crypto.decrypt_message(body, q["msg_signature"], q["timestamp"], q["nonce"])
    message = parse_message(body)
    assert (message.type, message.content, message.id) == ("text", "a ]]> b & <c>", 2**52 + 5)
    assert (message.source, message.target, message.time) == (OPENID, a.original_id, 1700000000)


def test_events_carry_the_protocol_s_fields() -> None:
    a = account(MessageMode.PLAINTEXT)
    event = AccountEvent(a.id, UserId(2), "subscribe", "qrscene_42", "T1")
    message = parse_message(xmlcodec.render(event_fields(a, OPENID, event, 1700000000)))
    assert (message.event, message.scene_id, message.ticket) == ("subscribe_scan", "42", "T1")
    done = AccountEvent(
        a.id, UserId(2), "TEMPLATESENDJOBFINISH", extra={"MsgID": 9, "Status": "success"}
    )
    message = parse_message(xmlcodec.render(event_fields(a, OPENID, done, 1700000000)))
    assert (message.event, message.id, message.status) == ("templatesendjobfinish", 9, "success")


def reply_for(content: str) -> bytes:
    incoming = xmlcodec.render(message_fields(account(MessageMode.PLAINTEXT), OPENID, text("q")))
    rendered: str = create_reply(content, parse_message(incoming)).render()  # wechatpy is untyped
    return rendered.encode()


def test_a_plain_reply_is_read_and_nothing_means_no_reply() -> None:
    a = account(MessageMode.PLAINTEXT)
    reply, seen = read_reply(a, OPENID, reply_for("hello"), 1700000000)
    assert reply is not None and (reply.kind, reply.text, seen) == (MessageKind.TEXT, "hello", None)
    for nothing in (b"", b"  success\n", b"success"):
        assert read_reply(a, OPENID, nothing, 0) == (None, None)


def test_a_single_article_news_reply_is_a_list_of_one() -> None:
    a = account(MessageMode.PLAINTEXT)
    news = ArticlesReply(source=a.original_id, target=OPENID, articles=[
        {"title": "T", "description": "D", "url": "https://e.com", "image": "https://e.com/i.png"}
    ]).render().encode()  # fmt: skip
    reply, _ = read_reply(a, OPENID, news, 0)
    assert reply is not None and reply.articles == [
        {"title": "T", "description": "D", "url": "https://e.com", "picurl": "https://e.com/i.png"}
    ]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<xml><MsgType>text</MsgType>", "well-formed"),
        (
            TextReply(source="gh_000000000001", target="oOther", content="x").render().encode(),
            "ToUserName",
        ),
        (
            TextReply(source="gh_other", target=OPENID, content="x").render().encode(),
            "FromUserName",
        ),
        (
            b"<xml><ToUserName>oUser1</ToUserName><FromUserName>gh_000000000001</FromUserName>"
            b"<MsgType>music</MsgType></xml>",
            "not supported",
        ),
        (
            b"<xml><ToUserName>oUser1</ToUserName><FromUserName>gh_000000000001</FromUserName>"
            b"<MsgType>image</MsgType></xml>",
            "MediaId",
        ),
        (b"<!DOCTYPE xml [<!ENTITY x 'y'>]><xml><Content>&x;</Content></xml>", "well-formed"),
        (b"<xml>" + b"<a>" * 10 + b"</a>" * 10 + b"</xml>", "deep"),
    ],
)
def test_an_invalid_plain_reply_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(BadReply, match=reason):
        read_reply(account(MessageMode.PLAINTEXT), OPENID, body, 0)


def test_safe_mode_takes_only_envelopes_signed_near_the_push() -> None:
    a = account(MessageMode.SAFE)
    crypto = WeChatCrypto(TOKEN, AES, a.appid)
    envelope = crypto.encrypt_message(reply_for("hi").decode(), "n1", 1700000000).encode()
    reply, seen = read_reply(a, OPENID, envelope, 1700000010)
    assert reply is not None and reply.text == "hi" and seen is not None and seen[0] == "n1"
    with pytest.raises(BadReply, match="TimeStamp"):
        read_reply(a, OPENID, envelope, 1700000000 + 3600)
    with pytest.raises(BadReply, match="safe mode"):
        read_reply(a, OPENID, reply_for("plain"), 1700000000)
    forged = envelope.replace(b"<MsgSignature><![CDATA[", b"<MsgSignature><![CDATA[f")
    with pytest.raises(BadReply, match="MsgSignature"):
        read_reply(a, OPENID, forged, 1700000000)
    other = WeChatCrypto(TOKEN, AES, "wx0000000000000002")
    with pytest.raises(BadReply, match="AppID"):
        read_reply(a, OPENID, other.encrypt_message("<xml/>", "n", 1700000000).encode(), 1700000000)
    empty = crypto.encrypt_message("", "n3", 1700000000).encode()
    assert read_reply(a, OPENID, empty, 1700000000)[0] is None


def test_cdata_survives_its_own_terminator() -> None:
    out = xmlcodec.render({"Content": "x]]>y", "N": 5})
    assert xmlcodec.parse(out) == {"Content": "x]]>y", "N": "5"}
