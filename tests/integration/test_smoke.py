from __future__ import annotations

from microletter.client import ApiError
from tests.conftest import MakeClient, befriend


async def test_two_friends_chat_over_rest_and_websocket(clients: MakeClient) -> None:
    alice = await clients("alice")
    bob = await clients("bob")
    cid = await befriend(alice, bob)
    rt = bob.realtime(cursor=0)
    await rt.start()
    try:
        sent = await alice.send_text(cid, "hello bob", client_msg_id="m1")
        again = await alice.send_text(cid, "hello bob", client_msg_id="m1")
        assert again == sent
        kinds = []
        while True:
            event = await rt.next_event()
            kinds.append(event["kind"])
            if event["kind"] == "message" and event["data"]["message"]["text"] == "hello bob":
                break
        assert "contact" in kinds
        ack = await rt.send_text(cid, "hi alice")
        assert ack["seq"] == sent["seq"] + 1
        history = await alice.history(cid)
        assert [m["text"] for m in history][-2:] == ["hello bob", "hi alice"]
    finally:
        await rt.close()
    try:
        await alice.send_text(cid, "x" * 20000)
    except ApiError as exc:
        assert exc.code == "invalid_input.too_large"
    else:
        raise AssertionError("oversize text accepted")
