"""Going offline and coming back: messages sent meanwhile arrive once, in order; messages
written offline wait in the outbox and go out by themselves."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import (
    PHONE,
    OpenApp,
    bubbles,
    login,
    no_page_errors,
    open_chat,
    send_text,
    shot,
)
from tests.conftest import MakeClient, befriend


async def test_messages_sent_while_offline_appear_once_in_order_after_reconnect(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    bob = await open_app(PHONE)
    await login(bob, "bob")
    await open_chat(bob, "alice")
    await alice_sdk.send_text(cid, "before")
    await expect(bubbles(bob)).to_have_text(["before"])

    await bob.context.set_offline(True)
    status = bob.locator(".conn-status")
    await expect(status).to_be_visible()
    await expect(status).to_contain_text("offline")
    sent = [f"while you were away {i}" for i in range(1, 6)]
    for text in sent:
        await alice_sdk.send_text(cid, text)
    await shot(bob, "phone-offline")
    assert await bubbles(bob).all_text_contents() == ["before"]

    await bob.context.set_offline(False)
    await expect(status).to_be_hidden()
    await expect(bubbles(bob)).to_have_text(["before", *sent])
    # Exactly once: every message of the conversation shows one row, by increasing seq.
    seqs = [
        int(s)
        for s in await bob.locator(".msg-row[data-seq]").evaluate_all(
            "rows => rows.map(r => r.dataset.seq).filter(Boolean)"
        )
    ]
    assert seqs == sorted(set(seqs)), seqs
    # A reload resumes from the saved cursor and shows the same, still once.
    await bob.reload()
    await expect(bob.locator("#app")).to_have_attribute("data-connection", "online")
    await expect(bubbles(bob)).to_have_text(["before", *sent])
    no_page_errors(bob)


async def test_messages_written_offline_are_queued_and_sent_in_order_when_back(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    bob = await open_app(PHONE)
    await login(bob, "bob")
    await open_chat(bob, "alice")
    # The service worker has the app shell (it controls the page once installed).
    await bob.wait_for_function("() => navigator.serviceWorker.controller !== null")

    await bob.context.set_offline(True)
    await expect(bob.locator(".conn-status")).to_be_visible()
    queued = ["on the train", "no signal here", "will call you later"]
    for text in queued:
        await send_text(bob, text)
    pending = bob.locator(".msg-row.mine[data-state=sending]")
    await expect(pending).to_have_count(3)
    await shot(bob, "phone-queued-offline")
    # Queued messages survive a reload while still offline (the shell comes from the worker).
    await bob.reload()
    await expect(bob.locator(".msg-row.mine[data-state=sending]")).to_have_count(3)

    await bob.context.set_offline(False)
    await expect(bob.locator(".msg-row.mine[data-state=sending]")).to_have_count(0)
    await expect(bubbles(bob)).to_have_text(queued)
    page = await alice_sdk.history(cid)
    texts = [m["text"] for m in page if m["kind"] == "text"]
    assert texts == queued
    no_page_errors(bob)


async def test_a_refused_message_shows_failed_and_a_retry_sends_it_once(
    open_app: OpenApp, clients: MakeClient
) -> None:
    alice_sdk, bob_sdk = await clients("alice"), await clients("bob")
    cid = await befriend(alice_sdk, bob_sdk)
    assert bob_sdk.user is not None
    bob = await open_app(PHONE)
    await login(bob, "bob")
    await open_chat(bob, "alice")
    await alice_sdk.block(bob_sdk.user["id"])  # alice refuses bob's messages

    await send_text(bob, "are you there?")
    failed = bob.locator(".msg-row.mine[data-state=failed]")
    await expect(failed).to_contain_text("are you there?")
    await expect(bob.locator(".toast-error")).to_contain_text("doesn't accept messages from you")
    retry = failed.get_by_role("button", name="Not sent. Try again")
    await expect(retry).to_be_visible()
    await shot(bob, "phone-failed-message")

    await alice_sdk.unblock(bob_sdk.user["id"])
    await befriend(alice_sdk, bob_sdk)
    await retry.click()
    await expect(failed).to_have_count(0)  # the pending row gives way to the sent message
    sent = bob.locator(".msg-row.mine", has_text="are you there?")
    await expect(sent).to_have_count(1)
    await expect(sent).to_have_attribute("data-state", re.compile("sent|read"))
    texts = [m["text"] for m in await alice_sdk.history(cid) if m["kind"] == "text"]
    assert texts == ["are you there?"]
    no_page_errors(bob)
