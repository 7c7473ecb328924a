"""An account's audience: follower tags and remarks, and mass sends aimed at some
followers (by tag, to a list of OpenIDs, or a preview to one).

A targeted send is write diffusion: each recipient gets a message of their own in their
conversation with the account (a broadcast to everyone is one post that all read,
sending.broadcast). The job is recorded first, within the daily quota it shares with
broadcasts; each recipient's message is posted once (its client_msg_id names the job,
so a retried delivery never doubles it); then the webhook hears MASSSENDJOBFINISH.
"""

from __future__ import annotations

from collections.abc import Mapping

from microletter.core.errors import InvalidInput, NotFollowing
from microletter.platform import sending
from microletter.platform.context import Platform
from microletter.platform.rules import audience as rules
from microletter.platform.rules.audience import MassJob
from microletter.platform.rules.officials import OfficialAccount


async def mass_send(
    p: Platform,
    account: OfficialAccount,
    body: Mapping[str, object],
    *,
    tag_id: int | None = None,
    openids: list[str] | None = None,
    preview: bool = False,
) -> MassJob:
    """Send to the followers carrying `tag_id`, or to `openids` (those who still follow),
    or preview to one OpenID; returns the finished job."""
    kind = body.get("msgtype")
    if not isinstance(kind, str):
        raise InvalidInput("msgtype is needed.", field="msgtype")
    said = await sending.mass_content(p, account, kind, body.get(kind))
    target = "preview" if preview else "tag" if tag_id is not None else "list"
    job, recipients = await p.store.start_mass_job(
        account.id, target, tag_id, openids, kind, p.limits.broadcasts_per_day, p.now()
    )
    sent = 0
    for uid in recipients:
        try:
            await sending.say(p, account, uid, f"mass:{job.msg_id}", said)
        except NotFollowing:  # unfollowed meanwhile: counted as not sent
            continue
        sent += 1
    outcome = await p.store.finish_mass_job(job, len(recipients), sent, p.now())
    await p.publish(outcome)
    return outcome.value


def mass_target(body: Mapping[str, object]) -> int | None:
    """The tag of `sendall`'s filter (`tag_id`, or wechatpy's `group_id`); None when
    it says is_to_all."""
    target = body.get("filter")
    if not isinstance(target, Mapping):
        raise InvalidInput("filter is needed: {is_to_all} or {tag_id}.", field="filter")
    if target.get("is_to_all") is True:
        return None
    tag = target.get("tag_id", target.get("group_id"))
    if tag is None or tag == "":
        raise InvalidInput("filter needs is_to_all: true or a tag_id.", field="filter.tag_id")
    return rules.check_tag_id(tag)
