"""A crowd for red packet storms, written straight into a database before its servers
start (the benchmark and the storm tests): users with login tokens, a group of all of
them, the first one (the sender) with a funded wallet and a payment password. Hundreds
of accounts this way take seconds, not the minutes that befriending over HTTP takes.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher

from microletter.core.errors import AlreadyContacts
from microletter.core.ids import MAX_NODE, ConversationId, IdGenerator, UserId
from microletter.core.limits import Limits
from microletter.core.models import Instant
from microletter.storage import open_store
from microletter.wallet import WalletStore

PAY_PASSWORD = "123456"  # noqa: S105 - of a throwaway server
LOGIN_PASSWORD = "crowd password"  # noqa: S105 - accounts of a throwaway server


@dataclass
class Crowd:
    tokens: list[str]  # bearer tokens, one per user; the first is the sender's
    user_ids: list[UserId]
    groups: list[ConversationId]  # each of all the users (or of `group_size` of them)


async def seed_crowd(
    database_url: str,
    users: int,
    *,
    groups: int = 1,
    group_size: int | None = None,
    prefix: str = "crowd",
    funds: int = 10**12,
    senders: int = 1,
) -> Crowd:
    """`users` accounts; `groups` groups of `group_size` (default: all) members each,
    group g owned by user g (the first `senders` users are funded, with a payment
    password); everyone in a group is the owner's contact."""
    now = Instant(int(time.time() * 1000))
    store = await open_store(database_url, IdGenerator(MAX_NODE), Limits())
    try:
        hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        login, pay = hasher.hash(LOGIN_PASSWORD), hasher.hash(PAY_PASSWORD)
        ids: list[UserId] = []
        tokens: list[str] = []
        for i in range(users):
            user = await store.create_user(f"{prefix}{i:05d}", login, f"M{i}", "en", now)
            token = "mlt_" + secrets.token_urlsafe(24)
            await store.create_device(
                user.id, "crowd", hashlib.sha256(token.encode()).digest(), now
            )
            ids.append(user.id)
            tokens.append(token)
        size = group_size or users
        made: list[ConversationId] = []
        for g in range(groups):
            owner = ids[g % users]
            members = [ids[(g + k) % users] for k in range(1, size)]
            for m in members:
                try:
                    request = (await store.request_contact(owner, m, "", now)).value
                except AlreadyContacts:  # the owner of another group befriended them
                    continue
                await store.answer_request(m, request.id, True, now)
            made.append((await store.create_group(owner, members, f"g{g}", now)).value.id)
        wallet = WalletStore(store.db)
        for s in range(senders):
            await wallet.set_pay_password(ids[s], pay, now)
            await wallet.adjust(ids[0], ids[s], funds, "crowd", f"crowd{s}", f"crowd{s}", now)
        return Crowd(tokens, ids, made)
    finally:
        await store.close()
