"""Presence: a contact with a live connection is online, on any node, until they leave."""

from __future__ import annotations

import asyncio

from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.support.rest import uid

# Also through the writer's socket and the local bus (serve --workers N on SQLite).
ALSO_ON_WORKERS = True


async def online(client: Client) -> list[int]:
    reply = await client.call("GET", "/api/v1/presence")
    return list(reply["online"])


async def until(client: Client, expected: list[int]) -> None:
    async with asyncio.timeout(5):
        while await online(client) != expected:
            await asyncio.sleep(0.02)


async def test_a_contact_is_online_while_connected_and_strangers_are_never_shown(
    clients: MakeClient,
) -> None:
    alice, bob, carol = await clients("alice"), await clients("bob"), await clients("carol")
    await befriend(alice, bob)
    assert await online(alice) == []

    bob_rt = bob.realtime()
    carol_rt = carol.realtime()
    await bob_rt.start()
    await carol_rt.start()
    await until(alice, [uid(bob)])  # carol is online too, but not alice's contact

    await bob_rt.close()
    await until(alice, [])
    await carol_rt.close()
