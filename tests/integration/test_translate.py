"""Translation (the translate room): "Translate" on a text message goes through the
translator port. With no engine configured the answer is 501 translate.not_configured; the
engines here are the tests' own (tests/support/translator.py), loaded through
MICROLETTER_TRANSLATOR as an operator's would be; on both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from microletter.app import Server
from microletter.settings import SettingsError
from tests.conftest import MakeClient, befriend, make_settings
from tests.support import translator
from tests.support.media import picture
from tests.support.rest import error_of, fails, raw

DICTIONARY = pytest.mark.settings(translator="tests.support.translator:dictionary")


async def test_without_an_engine_translation_answers_not_configured(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "hello world")

    status, body = await raw(
        bob,
        "POST",
        f"/api/v1/conversations/{cid}/messages/{said['seq']}/translation",
        json={"target": "es"},
    )

    assert status == 501
    error = error_of(body, "translate.not_configured")
    assert "MICROLETTER_TRANSLATOR" in error["message"]


@DICTIONARY
async def test_a_text_message_is_translated_into_the_target_or_my_locale(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "Hello world")

    into_spanish = await bob.translate(cid, said["seq"], "es")
    assert into_spanish == {
        "conversation_id": cid,
        "seq": said["seq"],
        "text": "hola mundo",
        "source": "en",
        "target": "es",
    }
    await bob.update_profile(locale="zh-CN")
    assert (await bob.translate(cid, said["seq"]))["text"] == "你好世界"  # my locale
    # A regional tag finds the engine's language: es-419 (Latin America) -> es.
    assert (await alice.translate(cid, said["seq"], "es-419"))["target"] == "es"


@DICTIONARY
async def test_a_translation_is_asked_of_the_engine_once_per_message_and_language(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    await befriend(alice, carol)
    assert bob.user and carol.user
    group = (await alice.create_group("g", [bob.user["id"], carol.user["id"]]))["conversation"]
    said = await alice.send_text(group["id"], "good morning")
    engine = translator.ENGINES[-1]
    before = engine.calls

    for reader in (bob, carol, bob):
        assert (await reader.translate(group["id"], said["seq"], "es"))["text"] == "buenos días"
    await bob.translate(group["id"], said["seq"], "zh-CN")

    assert engine.calls - before == 2  # one for Spanish, shared by both; one for Chinese


@DICTIONARY
async def test_only_what_i_may_read_and_only_text_is_translated(clients: MakeClient) -> None:
    alice, bob, eve = await clients("alice"), await clients("bob"), await clients("eve")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "hello")
    photo = await alice.upload(picture(), kind="image")
    shown = await alice.send_media(cid, photo)
    await bob.translate(cid, said["seq"], "es")  # cached now: a recall must still refuse

    await fails(eve.translate(cid, said["seq"], "es"), "conversation.not_member", 403)
    await fails(bob.translate(cid, 999, "es"), "message.not_found", 404)
    await fails(bob.translate(cid, shown["seq"], "es"), "translate.not_text", 400)
    await fails(bob.translate(cid, said["seq"], "klingon!"), "invalid_input", 400)
    await fails(bob.translate(cid, said["seq"], "fr"), "translate.language_unsupported", 400)
    await alice.recall(cid, said["seq"])
    await fails(bob.translate(cid, said["seq"], "es"), "translate.not_text", 400)


@pytest.mark.settings(translator="tests.support.translator:slow", translator_timeout=0.2)
async def test_an_engine_that_does_not_answer_in_time_is_unavailable(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "hello")

    error = await fails(bob.translate(cid, said["seq"], "es"), "translate.unavailable", 503)
    assert error.details["reason"] == "timeout"


@pytest.mark.settings(translator="tests.support.translator:broken")
async def test_an_engine_that_fails_is_unavailable_not_an_internal_error(
    clients: MakeClient,
) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "hello")

    error = await fails(bob.translate(cid, said["seq"], "es"), "translate.unavailable", 503)
    assert error.details["reason"] == "engine_failed"


@pytest.mark.settings(translator="tests.support.translator:dictionary", rate_translate="2/minute")
async def test_translations_have_their_own_rate_limit(clients: MakeClient) -> None:
    alice, bob = await clients("alice"), await clients("bob")
    cid = await befriend(alice, bob)
    said = await alice.send_text(cid, "hello")

    for _ in range(2):
        await bob.translate(cid, said["seq"], "es")
    error = await fails(bob.translate(cid, said["seq"], "es"), "rate_limited", 429)
    assert error.details["scope"] == "translate"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("tests.support.nothing_here:dictionary", "cannot import"),
        ("tests.support.translator:missing", "no callable"),
        ("tests.support.translator:ENGLISH", "no callable"),
        ("tests.support.translator:needs_url", "set MICROLETTER_TRANSLATOR_URL"),
        ("tests.support.rest:uid", "failed"),
    ],
)
async def test_an_engine_that_cannot_be_loaded_stops_the_start(
    tmp_path: Path, spec: str, says: str
) -> None:
    server = Server(make_settings(tmp_path / "data", translator=spec))
    with pytest.raises(SettingsError, match=says):
        await server.start()


async def test_the_engine_is_made_with_its_options_and_closed_at_shutdown(tmp_path: Path) -> None:
    server = Server(
        make_settings(
            tmp_path / "data",
            translator="tests.support.translator:dictionary",
            translator_url="http://127.0.0.1:5000",
        )
    )
    await server.start()
    engine = translator.ENGINES[-1]
    assert (engine.options.url, engine.closed) == ("http://127.0.0.1:5000", False)
    await server.stop()
    assert engine.closed
