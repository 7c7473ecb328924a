""" "Convert to Text" in the browser: from a voice bubble's menu, the server's transcript
shows under the bubble (kept on the server: the sender's phone gets the same text)."""

from __future__ import annotations

from playwright.async_api import expect

from tests.browser.conftest import PHONE, OpenApp, login, no_page_errors, open_chat, shot
from tests.conftest import MakeClient, befriend
from tests.support.speech import recall_of, spoken

SENTENCE = "we are going to the market this afternoon"


async def test_convert_to_text_shows_the_words_under_the_voice_bubble(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    said = await bob_sdk.send_media(cid, await bob_sdk.upload(spoken(SENTENCE), "voice"))
    alice = await open_app(PHONE)
    await login(alice, "alice")
    await open_chat(alice, "bob")

    await alice.locator(".bubble-voice").last.click(button="right")
    await alice.get_by_role("menu").get_by_role("menuitem", name="Convert to Text").click()

    shown = alice.locator(".msg-row[data-kind=voice] .voice-transcript")
    await expect(shown).to_have_attribute("aria-busy", "false", timeout=60_000)
    text = await shown.inner_text()
    assert recall_of(SENTENCE, text) >= 0.8, text
    await shot(alice, "transcripts-convert-to-text")
    assert (await bob_sdk.transcribe(cid, said["seq"]))["text"] == text
    no_page_errors(alice)
