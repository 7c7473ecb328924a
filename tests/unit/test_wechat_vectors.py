"""The protocol's own test vectors (shared/research/wechat-oa-protocol.md), and the same
envelopes checked both ways against the unmodified wechatpy."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from microletter.platform.crypto import CryptoError, Envelope
from microletter.platform.rules.officials import aes_key_bytes
from microletter.platform.signature import matches, signature

TOKEN = "microletter"
AES_KEY = "MicroLetterTestKey0123456789abcdefghijklmno"
APPID = "wx0000000000000001"
INNER = (
    "<xml><ToUserName><![CDATA[gh_0001]]></ToUserName><FromUserName><![CDATA[oUser1]]>"
    "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[hi]]></Content><MsgId>1</MsgId></xml>"
)
ENCRYPT = (
    "SZAid7aIQu+fP2QCAy1U3jpqETgMfdkjLSKqw9YQitfJv/CN0bmY3ncYkNkJvEU+41utEFn5/pc8zH8gBgi+"
    "EnDry7RB3otgllD5yJVu35og9Ivfet8Gn6IjM+H70LETJkEYoKm3Jld4looffbh/UI4F597mj6y6zkkP588/"
    "PURQoKTPRNvGEBha8Y4vWnTrZDId0iaR+FuoaJgv6RY8lV3WkRMBAeAHy9oUJt+M970LoyDnMMl7TX/158LA"
    "MSZOSkD3gXzor2bL5uif4R+qlEzq7rrAoT4opAe0Li21g4Px7Apqggy7XyjKk8gcbwYS1xZVev5mKV7PDsy0"
    "N9UORyLKm1nkyWTRsntyxMIzSLP3CzYRsDNmlHL7U2lsCi5v"
)


def test_the_handshake_signature_matches_the_vector_and_wechatpy_accepts_it() -> None:
    sig = signature(TOKEN, "1700000000", "n0nce42")
    assert sig == "6a437258ee3a62a53dd864aa83d1ffb58070c5d4"
    check_signature(TOKEN, sig, "1700000000", "n0nce42")  # raises if wechatpy disagreed
    assert matches(sig.upper(), TOKEN, "n0nce42", "1700000000")  # order and case free
    assert not matches(sig, TOKEN, "1700000001", "n0nce42")


def test_signatures_sort_by_bytes_not_by_position() -> None:
    assert signature("b", "a", "c") == signature("c", "b", "a") == signature("a", "b", "c")


def test_the_aes_key_decodes_to_the_vector() -> None:
    key = aes_key_bytes(AES_KEY)
    assert key.hex() == "32272ba0b7adb5ead37acb4a7b2d35db7e39ebbf3d69b71d79f8218a39259a7a"


def test_encrypting_the_vector_gives_its_encrypt_and_msg_signature() -> None:
    assert len(INNER.encode()) == 221
    encrypted = Envelope(AES_KEY, APPID).encrypt(INNER, b"0123456789abcdef")
    assert encrypted == ENCRYPT
    assert len(base64.b64decode(encrypted)) == 288
    assert signature(TOKEN, "1700000000", "n0nce42", encrypted) == (
        "d59a5e7a596f6d3c74c23d9dbf1ba11fa315381d"
    )


def test_wechatpy_decrypts_our_push_and_we_decrypt_its_reply() -> None:
    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    body = f"<xml><ToUserName>gh_0001</ToUserName><Encrypt>{ENCRYPT}</Encrypt></xml>"
    msg_sig = signature(TOKEN, "1700000000", "n0nce42", ENCRYPT)
    assert crypto.decrypt_message(body, msg_sig, "1700000000", "n0nce42") == INNER
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(body, "0" * 40, "1700000000", "n0nce42")
    reply = crypto.encrypt_message("<xml><Content>好</Content></xml>", "nonce9", 1700000001)
    assert "<Encrypt>" in reply
    encrypted = reply.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
    assert Envelope(AES_KEY, APPID).decrypt(encrypted) == "<xml><Content>好</Content></xml>"


def _flip_last_byte(encrypted: str) -> str:
    data = bytearray(base64.b64decode(encrypted))
    data[-1] ^= 0xFF
    return base64.b64encode(bytes(data)).decode()


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda e: _flip_last_byte(e), "padding"),
        (lambda e: "not base64 at all!", "base64"),
        (lambda e: base64.b64encode(b"x" * 20).decode(), "blocks"),
        (lambda e: "", "blocks"),
    ],
)
def test_a_broken_envelope_is_refused_with_its_reason(mangle: object, reason: str) -> None:
    with pytest.raises(CryptoError, match=reason):
        Envelope(AES_KEY, APPID).decrypt(mangle(ENCRYPT))  # type: ignore[operator]  # a lambda


def test_an_envelope_for_another_appid_is_refused() -> None:
    encrypted = Envelope(AES_KEY, "wx0000000000000002").encrypt(INNER, b"0123456789abcdef")
    with pytest.raises(CryptoError, match="AppID"):
        Envelope(AES_KEY, APPID).decrypt(encrypted)


def test_a_message_that_fills_whole_blocks_gets_a_full_block_of_padding() -> None:
    xml = "x" * (64 - 20 - len(APPID))  # prefix + length + xml + appid = 64 bytes
    encrypted = Envelope(AES_KEY, APPID).encrypt(xml, b"0123456789abcdef")
    assert len(base64.b64decode(encrypted)) == 96  # 64 + a block of 32 x 0x20
    assert Envelope(AES_KEY, APPID).decrypt(encrypted) == xml
