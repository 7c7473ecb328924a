"""What every platform action is given: the messaging core's Context, the PlatformStore,
the platform's limits, the webhook client, and how the server is reached from outside.
Account media live in the media room (`ctx.media`). Built once in app.py and passed in."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from microletter.actions.context import Context
from microletter.core.events import ChannelPosted, Outcome
from microletter.core.models import Instant, User
from microletter.platform.rules.officials import PlatformLimits, is_web_url
from microletter.platform.store import PlatformStore
from microletter.platform.webhook import WebhookClient
from microletter.ports import PLATFORM_TOPIC, channel_topic
from microletter.settings import Settings


@dataclass
class Platform:
    ctx: Context
    store: PlatformStore
    limits: PlatformLimits
    webhooks: WebhookClient
    base_url: str = ""  # set once the server knows its address (or from public_url)
    followers_page: int = 10_000
    random: Callable[[int], bytes] = field(default=secrets.token_bytes)

    @property
    def key(self) -> bytes:
        return self.store.platform_key

    def now(self) -> Instant:
        return self.ctx.clock()

    def seconds(self) -> int:
        return self.ctx.clock() // 1000

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def avatar_url(self, user: User) -> str:
        """The protocol's `headimgurl`: an absolute link, or "" when there is no picture.
        People's avatars are media ids served at /avatars/<id>; an account's is a URL."""
        if not user.avatar:
            return ""
        return user.avatar if is_web_url(user.avatar) else self.url(f"/avatars/{user.id}")

    async def publish(self, outcome: Outcome[object]) -> None:
        await self.ctx.publish(outcome)

    async def announce_post(self, post: ChannelPosted) -> None:
        """Tell followers' devices a broadcast exists (a hint: they fetch it)."""
        await self.ctx.bus.publish([(channel_topic(post.channel_id), post)])

    async def webhook_changed(self) -> None:
        await self.ctx.bus.publish([(PLATFORM_TOPIC, "webhook")])


def platform_limits(s: Settings) -> PlatformLimits:
    """The platform's limits, from the server's settings (MICROLETTER_OA_*)."""
    return PlatformLimits(
        access_token_seconds=s.oa_token_seconds,
        broadcasts_per_day=s.oa_broadcasts_per_day,
        accounts_per_owner=s.oa_accounts_per_owner,
        media_seconds=s.oa_media_seconds,
    )
