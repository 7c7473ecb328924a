"""Moments over the real API: posts, audiences made of tags, the WeChat comment rule with
A, B and C (B and C are A's friends, not each other's), notices in the update log resolved
when read, post pictures only for those who may see the post, and the bad inputs."""

from __future__ import annotations

from typing import Any

from microletter.app import Server
from microletter.client import Client
from tests.conftest import MakeClient, befriend
from tests.integration.test_realtime import bye, connect, hello, until
from tests.support.media import picture
from tests.support.rest import fails

Json = dict[str, Any]


def uid(client: Client) -> int:
    assert client.user is not None
    return int(client.user["id"])


async def post(client: Client, **body: Any) -> Json:
    reply: Json = (await client.call("POST", "/api/v1/moments/posts", body))["post"]
    return reply


async def timeline(client: Client) -> list[Json]:
    posts: list[Json] = (await client.call("GET", "/api/v1/moments"))["posts"]
    return posts


async def comment(client: Client, post_id: int, text: str, reply_to: int | None = None) -> Json:
    body: Json = {"text": text} if reply_to is None else {"text": text, "reply_to": reply_to}
    path = f"/api/v1/moments/posts/{post_id}/comments"
    reply: Json = (await client.call("POST", path, body))["comment"]
    return reply


async def abc(clients: MakeClient) -> tuple[Client, Client, Client]:
    a, b, c = await clients("anna"), await clients("bob"), await clients("cai")
    await befriend(a, b)
    await befriend(a, c)
    return a, b, c


async def test_friends_of_the_author_never_meet_in_the_comments(clients: MakeClient) -> None:
    a, b, c = await abc(clients)
    shown = await post(a, text="Hiking at dawn")
    await b.call("PUT", f"/api/v1/moments/posts/{shown['id']}/like")
    await c.call("PUT", f"/api/v1/moments/posts/{shown['id']}/like")
    said_b = await comment(b, shown["id"], "Beautiful!")
    said_c = await comment(c, shown["id"], "Where is it?")
    answer = await comment(a, shown["id"], "Yellow Mountain", reply_to=said_c["id"])

    [seen_a] = await timeline(a)
    [seen_b] = await timeline(b)
    [seen_c] = await timeline(c)
    assert [x["text"] for x in seen_a["comments"]] == [
        "Beautiful!",
        "Where is it?",
        "Yellow Mountain",
    ]
    assert [x["text"] for x in seen_b["comments"]] == ["Beautiful!"]  # not C's, nor the reply
    assert [x["text"] for x in seen_c["comments"]] == ["Where is it?", "Yellow Mountain"]
    assert {x["user_id"] for x in seen_b["likes"]} == {uid(b)}
    assert len(seen_a["likes"]) == 2
    # B cannot reply to a comment it cannot see, and the answer is 404 as for nothing
    await fails(
        comment(b, shown["id"], "hi", reply_to=said_c["id"]), "moments.comment_not_found", 404
    )
    assert answer["reply_to_user"] == uid(c)
    assert said_b["reply_to"] is None


async def test_audiences_are_resolved_at_post_time_and_hidden_posts_are_404(
    clients: MakeClient,
) -> None:
    a, b, c = await abc(clients)
    tag = (await a.call("POST", "/api/v1/contacts/tags", {"name": "Family", "users": [uid(b)]}))[
        "tag"
    ]
    family = await post(a, text="family only", audience="only", tags=[tag["id"]])
    not_b = await post(a, text="not for B", audience="except", users=[uid(b)])
    mine = await post(a, text="diary", audience="private")
    # adding C to the tag later does not widen the older post
    await a.call("PATCH", f"/api/v1/contacts/tags/{tag['id']}", {"add": [uid(c)]})

    assert [p["text"] for p in await timeline(b)] == ["family only"]
    assert [p["text"] for p in await timeline(c)] == ["not for B"]
    assert [p["text"] for p in await timeline(a)] == ["diary", "not for B", "family only"]
    assert family["listed"] == [uid(b)]
    for hidden in (not_b, mine):
        await fails(
            b.call("GET", f"/api/v1/moments/posts/{hidden['id']}"), "moments.post_not_found", 404
        )
        await fails(comment(b, hidden["id"], "x"), "moments.post_not_found", 404)
    await fails(b.call("GET", "/api/v1/moments/posts/999999"), "moments.post_not_found", 404)
    # tags are private: C sees none of A's
    assert (await c.call("GET", "/api/v1/contacts/tags"))["tags"] == []


async def test_notices_in_the_log_are_resolved_when_read(clients: MakeClient) -> None:
    a, b, c = await abc(clients)
    cursor = (await a.state())["cursor"]
    shown = await post(a, text="New bike")
    liked = (await b.call("PUT", f"/api/v1/moments/posts/{shown['id']}/like"))["like"]
    said = await comment(c, shown["id"], "Nice wheels")
    events = [e for e in (await a.changes(cursor))["events"] if e["kind"].startswith("moment_")]
    assert [(e["kind"], e["data"]["ref"]) for e in events] == [
        ("moment_like", liked["id"]),
        ("moment_comment", said["id"]),
    ]
    assert events[1]["data"]["notice"]["text"] == "Nice wheels"
    badge = (await a.call("GET", "/api/v1/moments/badge"))["badge"]
    assert badge["unread"] == 2

    await a.block(uid(c))  # a block hides C's comment and its notice, even the one logged
    events = [e for e in (await a.changes(cursor))["events"] if e["kind"].startswith("moment_")]
    assert [e["data"]["notice"] is None for e in events] == [False, True]
    notices = (await a.call("GET", "/api/v1/moments/notifications"))["notices"]
    assert [(n["kind"], n["user_id"]) for n in notices] == [("like", uid(b))]
    await a.call("POST", "/api/v1/moments/notifications/read", {"up_to": notices[0]["id"]})
    assert (await a.call("GET", "/api/v1/moments/badge"))["badge"]["unread"] == 0


async def test_post_pictures_are_fetched_only_by_those_who_may_see_the_post(
    clients: MakeClient,
) -> None:
    a, b, c = await abc(clients)
    photo = await a.upload(picture(), kind="image")
    shown = await post(a, text="Lunch", images=[photo["id"]], audience="except", users=[uid(c)])
    assert shown["data"]["images"][0]["id"] == photo["id"]
    granted = await b.media_urls([photo["id"]])
    assert photo["id"] in granted["urls"]
    assert (await c.media_urls([photo["id"]]))["denied"] == [photo["id"]]
    await a.remove_contact(uid(b))  # unfriending ends it at once
    assert (await b.media_urls([photo["id"]]))["denied"] == [photo["id"]]
    assert await timeline(b) == []


async def test_the_album_limit_and_the_two_switches(clients: MakeClient) -> None:
    a, b, _ = await abc(clients)
    await post(a, text="old news")
    album = f"/api/v1/moments/users/{uid(a)}"
    assert len((await b.call("GET", album))["posts"]) == 1
    await b.call("PUT", f"/api/v1/moments/switches/{uid(a)}", {"hide_theirs": True})
    assert await timeline(b) == []  # hidden from B's timeline, still in A's album
    assert len((await b.call("GET", album))["posts"]) == 1
    await a.call("PUT", f"/api/v1/moments/switches/{uid(b)}", {"hide_mine": True})
    assert (await b.call("GET", album))["posts"] == []
    assert (await a.call("GET", "/api/v1/moments/settings"))["settings"]["album"] == "all"
    await a.call("PUT", "/api/v1/moments/settings", {"album": "3d"})
    await fails(a.call("PUT", "/api/v1/moments/settings", {"album": "2y"}), "invalid_input", 400)


async def test_bad_posts_get_clear_errors(clients: MakeClient) -> None:
    a, b, _ = await abc(clients)
    stranger = await clients("deen")
    await fails(post(a, text="x" * 2001), "invalid_input.too_large", 413)
    await fails(post(a, text="  "), "moments.empty", 400)
    await fails(post(a, images=["0" * 64] * 10), "moments.too_many_images", 400)
    await fails(post(a, text="hi", audience="only", tags=[12345]), "moments.unknown_audience", 400)
    await fails(
        post(a, text="hi", audience="only", users=[uid(stranger)]), "moments.unknown_audience", 400
    )
    await fails(post(a, text="hi", audience="nobody"), "invalid_input", 400)
    await fails(post(a, images=["f" * 64]), "media.not_found", 404)
    await fails(post(a, text="hi", link={"url": "javascript:alert(1)"}), "invalid_input", 400)
    card = await post(
        a, text="read", link={"url": "https://example.com/a", "title": "A"}, location="Shanghai"
    )
    assert card["data"]["link"]["title"] == "A" and card["data"]["location"] == "Shanghai"
    # deleting erases it for everyone
    await b.call("PUT", f"/api/v1/moments/posts/{card['id']}/like")
    await a.call("DELETE", f"/api/v1/moments/posts/{card['id']}")
    await fails(b.call("GET", f"/api/v1/moments/posts/{card['id']}"), "moments.post_not_found", 404)
    await fails(
        a.call("DELETE", f"/api/v1/moments/posts/{card['id']}"), "moments.post_not_found", 404
    )
    assert await timeline(b) == []


async def test_a_notice_arrives_live_and_a_reconnect_resolves_it_again(
    clients: MakeClient, server: Server
) -> None:
    a, b, _ = await abc(clients)
    ws = await connect(server)
    await hello(ws, a, after=(await a.state())["cursor"])
    await until(ws, "synced")
    shown = await post(a, text="Live")
    said = await comment(b, shown["id"], "First!")
    frame = await until_kind(ws, "moment_comment")
    assert frame["data"]["ref"] == said["id"]
    assert frame["data"]["notice"]["text"] == "First!"
    await bye(ws)

    # B's comment goes: a device resuming from before it gets the pointer, and nothing in it
    await b.call("DELETE", f"/api/v1/moments/posts/{shown['id']}/comments/{said['id']}")
    again = await connect(server)
    await hello(again, a, after=frame["seq"] - 1)
    replayed = await until_kind(again, "moment_comment")
    assert (replayed["seq"], replayed["data"]["notice"]) == (frame["seq"], None)
    await bye(again)


async def until_kind(ws: Any, kind: str) -> Json:
    """Read event frames until one of `kind` arrives."""
    while True:
        frame = await until(ws, "ev")
        if frame["kind"] == kind:
            return frame
