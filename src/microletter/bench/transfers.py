"""The `transfer` scenario: money moving between wallets as fast as the server allows.

`16 * scale` users in pairs, each sender funded by an operator, each keeping one payment
flow in flight (a closed loop): verify the payment password (a payment token), then send
a transfer of 1 minor unit in the pair's one-to-one chat. Reports transfers per second,
the transfer's own latency (the money path: idempotency key, token, escrow, card, job)
and the whole flow's, errors, and whether the ledger reconciles afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microletter.bench.setup import (
    become_operator,
    befriend,
    close_world,
    fund,
    make_users,
)
from microletter.bench.stats import Measured, percentiles
from microletter.client import ApiError, Client

PAY = "135790"
FUNDS = 10**12


async def measure(
    url: str,
    data_dir: Path | None,
    users: int,
    seconds: float,
    warmup: float,
    log: Callable[[str], None],
) -> dict[str, Any]:
    world = await make_users(url, users, f"pay{int(time.time())}")
    root = Client(url, session=world.session)
    try:
        await become_operator(root, data_dir, "transfer")
        pairs = [(i, i + 1) for i in range(0, users - 1, 2)]
        chats = [await befriend(world, a, b) for a, b in pairs]
        for a, _ in pairs:
            await fund(root, world, a, FUNDS, PAY)
        log(f"{len(pairs)} senders funded; warming up {warmup}s, measuring {seconds}s")
        transfer_ms: list[float] = []
        flow_ms: list[float] = []
        measured = Measured(warmup, seconds)

        async def sender(index: int) -> None:
            client, cid, n = world.users[pairs[index][0]], chats[index], 0
            while measured.running():
                began = time.perf_counter()
                try:
                    paid = await client.payment_token(PAY)
                    sent = time.perf_counter()
                    await client.transfer(
                        cid, 1, payment_token=paid, idempotency_key=f"b{index}-{n}"
                    )
                except ApiError as exc:
                    measured.failed(exc.code)
                    continue
                finally:
                    n += 1
                done = time.perf_counter()
                if measured.counts(began):
                    transfer_ms.append(done - sent)  # seconds, as percentiles() wants
                    flow_ms.append(done - began)

        await asyncio.gather(*(sender(i) for i in range(len(pairs))))
        reconciled = await root.admin_reconcile()
        t, f = percentiles(transfer_ms), percentiles(flow_ms)
        return {
            "senders": len(pairs),
            "transfers_per_s": round(len(transfer_ms) / seconds, 1),
            "transfer_ms_p50": t["p50"],
            "transfer_ms_p99": t["p99"],
            "flow_ms_p50": f["p50"],
            "flow_ms_p99": f["p99"],
            "errors": measured.error_count,
            "reconcile_ok": reconciled["ok"],
            "ledger_transactions": reconciled["transactions"],
        }
    finally:
        await close_world(world)
