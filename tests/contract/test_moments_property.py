"""Property: over random friendship graphs, tags, audiences, likes, comments, switches,
album limits, blocks, unfriendings and deletions, every viewer's timeline, albums, posts
(with their likes and comments), notices (the list, and the update log's pointers as
resolved when read) and post-picture access equal what a plain reference model of the
Moments rules allows: nothing more, nothing missing. On SQLite and PostgreSQL.

The model below restates the rules of docs/moments.md on plain sets; it shares no code
with moments/rules.py, so a mistake in either shows up as a difference."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microletter.core.errors import MicroletterError
from microletter.core.events import MomentNotice
from microletter.core.ids import UserId
from microletter.core.media import BlobFacts, MediaId, MediaKind
from microletter.core.models import Instant
from microletter.moments import MomentsStore
from microletter.moments.errors import CommentNotFound, PostNotFound
from microletter.moments.rules import Audience
from microletter.ports import Store
from tests.contract.conftest import STORE_BACKENDS, StoreBackend

DAY = 86_400_000
PEOPLE = 5
NAMES = itertools.count()
BLOBS = itertools.count()


@dataclass
class MPost:
    author: UserId
    audience: str
    listed: frozenset[UserId]
    created_at: int
    media: MediaId
    deleted: bool = False


@dataclass
class Model:
    """The rules, restated plainly."""

    users: list[UserId]
    now: int
    friends: set[frozenset[UserId]] = field(default_factory=set)
    blocks: set[tuple[UserId, UserId]] = field(default_factory=set)
    tags: dict[int, tuple[UserId, set[UserId]]] = field(default_factory=dict)
    posts: dict[int, MPost] = field(default_factory=dict)
    likes: dict[int, tuple[int, UserId]] = field(default_factory=dict)
    comments: dict[int, tuple[int, UserId, int | None, UserId | None]] = field(default_factory=dict)
    hide_mine: set[tuple[UserId, UserId]] = field(default_factory=set)  # (author, viewer)
    hide_theirs: set[tuple[UserId, UserId]] = field(default_factory=set)  # (viewer, author)
    album: dict[UserId, int | None] = field(default_factory=dict)
    logged: set[tuple[UserId, int]] = field(default_factory=set)  # (recipient, ref)

    def friend(self, a: UserId, b: UserId) -> bool:
        return (
            frozenset((a, b)) in self.friends
            and (a, b) not in self.blocks
            and (b, a) not in self.blocks
        )

    def sees_post(self, v: UserId, pid: int) -> bool:
        p = self.posts[pid]
        if p.deleted:
            return False
        if v == p.author:
            return True
        if not self.friend(v, p.author) or (p.author, v) in self.hide_mine:
            return False
        days = self.album.get(p.author)
        if days is not None and p.created_at < self.now - days * DAY:
            return False
        return {
            "all": True,
            "private": False,
            "only": v in p.listed,
            "except": v not in p.listed,
        }[p.audience]

    def in_timeline(self, v: UserId, pid: int) -> bool:
        author = self.posts[pid].author
        return self.sees_post(v, pid) and (v == author or (v, author) not in self.hide_theirs)

    def sees_writer(self, v: UserId, pid: int, writer: UserId) -> bool:
        author = self.posts[pid].author
        return writer in (author, v) or self.friend(v, writer)

    def sees_comment(self, v: UserId, cid: int) -> bool:
        if cid not in self.comments:
            return False
        pid, writer, reply_to, _ = self.comments[cid]
        if not self.sees_post(v, pid) or not self.sees_writer(v, pid, writer):
            return False
        return reply_to is None or self.sees_comment(v, reply_to)

    def sees_like(self, v: UserId, lid: int) -> bool:
        pid, writer = self.likes[lid]
        return self.sees_post(v, pid) and self.sees_writer(v, pid, writer)

    def notices(self, v: UserId) -> set[tuple[str, int]]:
        out = set()
        for lid, (pid, writer) in self.likes.items():
            if self.posts[pid].author == v and writer != v and self.sees_like(v, lid):
                out.add(("like", lid))
        for cid, (pid, writer, _, parent) in self.comments.items():
            if writer == v or not self.sees_comment(v, cid):
                continue
            if self.posts[pid].author == v:
                out.add(("comment", cid))
            elif parent == v:
                out.add(("reply", cid))
        return out


# The friendships an example starts from (then its script changes them).
graphs = st.sets(
    st.tuples(st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)).filter(lambda p: p[0] < p[1]),
    min_size=4,
)
post = st.tuples(
    st.just("post"),
    st.integers(0, PEOPLE - 1),
    st.sampled_from(["all", "all", "private", "only", "except"]),
    st.sets(st.integers(0, 5), max_size=2),
    st.sets(st.integers(0, PEOPLE - 1), max_size=3),
)
react = st.one_of(
    st.tuples(st.just("like"), st.integers(0, PEOPLE - 1), st.integers(0, 9)),
    st.tuples(st.just("comment"), st.integers(0, PEOPLE - 1), st.integers(0, 9), st.none()),
    st.tuples(st.just("comment"), st.integers(0, PEOPLE - 1), st.integers(0, 9), st.integers(0, 9)),
)
switch = st.tuples(
    st.just("switch"),
    st.integers(0, PEOPLE - 1),
    st.integers(0, PEOPLE - 1),
    st.booleans(),
    st.booleans(),
)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("friend"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("unfriend"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("block"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("unblock"), st.integers(0, PEOPLE - 1), st.integers(0, PEOPLE - 1)),
        st.tuples(st.just("tag"), st.integers(0, PEOPLE - 1), st.sets(st.integers(0, PEOPLE - 1))),
        st.tuples(st.just("retag"), st.integers(0, 5), st.sets(st.integers(0, PEOPLE - 1))),
        post,
        post,
        react,
        react,
        react,
        st.tuples(st.just("unlike"), st.integers(0, PEOPLE - 1), st.integers(0, 9)),
        st.tuples(st.just("uncomment"), st.integers(0, PEOPLE - 1), st.integers(0, 9)),
        st.tuples(st.just("uncomment"), st.integers(0, PEOPLE - 1), st.integers(0, 9)),
        st.tuples(st.just("delete"), st.integers(0, 9)),
        switch,
        switch,
        st.tuples(st.just("album"), st.integers(0, PEOPLE - 1), st.sampled_from([3, 30, None])),
        st.tuples(st.just("wait"), st.sampled_from([0, 1, 5, 40, 200])),
    ),
    min_size=3,
    max_size=30,
)


@pytest.fixture
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Any, Store]]:
    """One event loop and one database for all the examples of a test (each example makes
    users of its own), so PostgreSQL's pool lives as long as the loop it was made on."""
    backend: StoreBackend = STORE_BACKENDS[request.param](tmp_path)
    with asyncio.Runner() as runner:
        store = runner.run(backend.open())
        yield runner, store
        runner.run(backend.close())


def scenarios(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A graph, some posts and reactions, then anything (unfriendings, blocks, switches,
    deletions, time passing, ...) mixed with more, and a last few reactions; `examples` of
    them."""

    def wrap(test: Callable[..., None]) -> Callable[..., None]:
        checked: Callable[..., None] = settings(
            max_examples=examples,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )(
            given(
                graph=graphs,
                posts=st.lists(post, min_size=2, max_size=5),
                reactions=st.lists(react, min_size=4, max_size=15),
                script=ops,
                after=st.lists(react, max_size=6),
            )(test)
        )
        return checked

    return wrap


def check_script(world: tuple[asyncio.Runner, Store], *parts: Any) -> None:
    graph, posts, reactions, script, after = parts
    runner, store = world
    befriend = [("friend", a, b) for a, b in sorted(graph)]
    runner.run(run_script(store, befriend + posts + reactions + script + after))


@pytest.mark.parametrize("world", ["sqlite"], indirect=True)
@scenarios(60)
def test_every_view_equals_the_reference_model_on_sqlite(
    world: tuple[asyncio.Runner, Store],
    graph: set[tuple[int, int]],
    posts: list[tuple[Any, ...]],
    reactions: list[tuple[Any, ...]],
    script: list[tuple[Any, ...]],
    after: list[tuple[Any, ...]],
) -> None:
    check_script(world, graph, posts, reactions, script, after)


@pytest.mark.parametrize("world", ["postgres"], indirect=True)
@scenarios(50)
def test_every_view_equals_the_reference_model_on_postgres(
    world: tuple[asyncio.Runner, Store],
    graph: set[tuple[int, int]],
    posts: list[tuple[Any, ...]],
    reactions: list[tuple[Any, ...]],
    script: list[tuple[Any, ...]],
    after: list[tuple[Any, ...]],
) -> None:
    check_script(world, graph, posts, reactions, script, after)


async def _users(store: Store, now: int) -> list[UserId]:
    made = []
    for _ in range(PEOPLE):
        name = f"m{next(NAMES)}x"
        made.append((await store.create_user(name, "h", name, "en", Instant(now))).id)
    return made


async def run_script(store: Store, script: list[tuple[Any, ...]]) -> None:
    moments = MomentsStore(store.db)
    base = 1_800_000_000_000  # ids stay increasing whatever the clock does (IdGenerator)
    users = await _users(store, base)
    m = Model(users, base)
    tag_ids: list[int] = []
    post_ids: list[int] = []
    comment_ids: list[int] = []

    def at() -> Instant:
        m.now += 1
        return Instant(m.now)

    for op in script:
        kind = op[0]
        if kind in ("friend", "unfriend", "block", "unblock", "switch"):
            a, b = users[op[1]], users[op[2]]
            if a == b:
                continue
            if kind == "friend":
                if (a, b) in m.blocks or (b, a) in m.blocks:
                    continue
                try:
                    asked = await store.request_contact(a, b, "hi", at())
                    await store.answer_request(b, asked.value.id, True, at())
                except MicroletterError:
                    pass  # the core's limits on requests; the model follows the truth
                if any(c.user.id == b for c in await store.contacts(a)):
                    m.friends.add(frozenset((a, b)))
            elif kind == "unfriend":
                await store.remove_contact(a, b, at())
                m.friends.discard(frozenset((a, b)))
            elif kind == "block":
                await store.block(a, b, at())
                m.blocks.add((a, b))
                m.friends.discard(frozenset((a, b)))
            elif kind == "unblock":
                await store.unblock(a, b, at())
                m.blocks.discard((a, b))
            else:
                await moments.set_switches(a, b, op[3], op[4])
                for flag, pairs, pair in (
                    (op[3], m.hide_mine, (a, b)),
                    (op[4], m.hide_theirs, (a, b)),
                ):
                    if flag:
                        pairs.add(pair)
                    else:
                        pairs.discard(pair)
        elif kind == "tag":
            owner = users[op[1]]
            members = {users[i] for i in op[2] if m.friend(owner, users[i])}
            tag = (await moments.create_tag(owner, f"t{len(tag_ids)}", sorted(members), at())).value
            tag_ids.append(tag.id)
            m.tags[tag.id] = (owner, members)
        elif kind == "retag" and tag_ids:
            tag_id = tag_ids[op[1] % len(tag_ids)]
            owner, members = m.tags[tag_id]
            wanted = {users[i] for i in op[2] if m.friend(owner, users[i])}
            await moments.update_tag(
                owner, tag_id, None, sorted(wanted), sorted(members - wanted), at()
            )
            m.tags[tag_id] = (owner, wanted)
        elif kind == "post":
            author = users[op[1]]
            tags = [
                tag_ids[i] for i in op[3] if i < len(tag_ids) and m.tags[tag_ids[i]][0] == author
            ]
            people = [users[i] for i in op[4] if m.friend(author, users[i])]
            listed = frozenset(people) | frozenset(
                u for t in tags for u in m.tags[t][1] if m.friend(author, u)
            )
            if op[2] == "only" and not listed:
                continue
            blob = MediaId(f"{next(BLOBS):064x}")
            now = at()
            media = await store.save_media(
                author, BlobFacts(blob, "image/webp", 10, 1, 1), MediaKind.IMAGE, "p", now, None
            )
            made = await moments.create_post(
                author,
                "hello",
                {
                    "images": [
                        {
                            "id": blob,
                            "kind": "image",
                            "mime": "image/webp",
                            "size": 10,
                            "name": "p",
                            "created_at": now,
                        }
                    ]
                },
                [media],
                Audience(op[2]),
                people,
                tags,
                now,
            )
            post_ids.append(made.id)
            lst = listed if op[2] in ("only", "except") else frozenset()
            m.posts[made.id] = MPost(author, op[2], lst, now, blob)
        elif kind == "delete" and post_ids:
            pid = post_ids[op[1] % len(post_ids)]
            gone = m.posts[pid].deleted
            await expect(
                moments.delete_post(m.posts[pid].author, pid), PostNotFound if gone else None
            )
            m.posts[pid].deleted = True
            m.likes = {k: v for k, v in m.likes.items() if v[0] != pid}
            m.comments = {k: v for k, v in m.comments.items() if v[0] != pid}
        elif kind in ("like", "unlike", "comment") and post_ids:
            pid = post_ids[op[2] % len(post_ids)]
            u = users[op[1]]
            visible = m.sees_post(u, pid)
            if kind == "like":
                now = at()
                done = await expect(moments.like(u, pid, now), None if visible else PostNotFound)
                if done is not None and not any(v == (pid, u) for v in m.likes.values()):
                    m.likes[done.value.id] = (pid, u)
                    author = m.posts[pid].author
                    if author != u and m.sees_like(author, done.value.id):
                        m.logged.add((author, done.value.id))
            elif kind == "unlike":
                await moments.unlike(u, pid)
                m.likes = {k: v for k, v in m.likes.items() if v != (pid, u)}
            else:
                reply_to = None
                if op[3] is not None and comment_ids:
                    reply_to = comment_ids[op[3] % len(comment_ids)]
                parent_ok = reply_to is None or (
                    reply_to in m.comments
                    and m.comments[reply_to][0] == pid
                    and m.sees_comment(u, reply_to)
                )
                error = PostNotFound if not visible else None if parent_ok else CommentNotFound
                done = await expect(moments.comment(u, pid, "c", reply_to, at()), error)
                if done is not None:
                    cid = done.value.id
                    parent = None if reply_to is None else m.comments[reply_to][1]
                    m.comments[cid] = (pid, u, reply_to, parent)
                    comment_ids.append(cid)
                    author = m.posts[pid].author
                    if author != u:
                        m.logged.add((author, cid))
                    if (
                        parent is not None
                        and parent not in (u, author)
                        and m.sees_writer(parent, pid, u)
                    ):
                        m.logged.add((parent, cid))
        elif kind == "uncomment" and comment_ids:
            u, cid = users[op[1]], comment_ids[op[2] % len(comment_ids)]
            allowed = cid in m.comments and u in (
                m.comments[cid][1],
                m.posts[m.comments[cid][0]].author,
            )
            pid = m.comments[cid][0] if cid in m.comments else 1
            await expect(moments.delete_comment(u, pid, cid), None if allowed else CommentNotFound)
            if allowed:
                del m.comments[cid]
        elif kind == "album":
            author = users[op[1]]
            days = op[2]
            await moments.set_settings(author, days, None, True)
            m.album[author] = days
        elif kind == "wait":
            m.now += op[1] * DAY
    await check_views(store, moments, m)


async def expect(work: Any, error: type[MicroletterError] | None) -> Any:
    """Await a write; it must fail with `error` exactly when the model says so."""
    try:
        done = await work
    except MicroletterError as exc:
        assert error is not None and isinstance(exc, error), f"unexpected {exc!r}"
        return None
    assert error is None, f"expected {error.__name__}"
    return done


async def pages(fetch: Any, size: int = 3) -> list[int]:
    """Every page's ids, paging with `before` until a short page."""
    ids: list[int] = []
    before = None
    while True:
        page = await fetch(before, size)
        ids += [p.id for p in page]
        if len(page) < size:
            return ids
        before = page[-1].id


async def check_views(store: Store, moments: MomentsStore, m: Model) -> None:
    now = Instant(m.now)
    all_refs = [*m.likes, *m.comments]
    for v in m.users:
        newest = sorted(m.posts, reverse=True)
        want = [p for p in newest if m.in_timeline(v, p)]
        for size in (1, 3):  # pages of 1 merge from 2 authors: the floor of the merge is used
            got = await pages(lambda b, n, v=v: moments.timeline(v, b, n, now), size)
            assert got == want, ("timeline", v, size)
        for author in m.users:
            want = [p for p in newest if m.posts[p].author == author and m.sees_post(v, p)]
            got = await pages(lambda b, n, v=v, a=author: moments.album(v, a, b, n, now))
            assert got == want, ("album", v, author)
        for pid in m.posts:
            try:
                post = await moments.post(v, pid, now)
            except PostNotFound:
                assert not m.sees_post(v, pid), ("post hidden", v, pid)
                continue
            assert m.sees_post(v, pid), ("post shown", v, pid)
            assert {x.id for x in post.likes} == {
                k for k, (p, _) in m.likes.items() if p == pid and m.sees_like(v, k)
            }, ("likes", v, pid)
            assert {c.id for c in post.comments} == {
                k for k, c in m.comments.items() if c[0] == pid and m.sees_comment(v, k)
            }, ("comments", v, pid)
        notices = m.notices(v)
        listed = await moments.notices(v, None, 50, now)
        assert {(n.kind, n.id) for n in listed} == notices, ("notices", v)
        resolved = await moments.resolve_refs(v, all_refs, now)
        assert set(resolved) == {i for _, i in notices}, ("resolved", v)
        log = await store.read_log(v, 0, 1000)
        pointers = {e.event.ref for e in log if isinstance(e.event, MomentNotice)}
        assert pointers == {ref for (who, ref) in m.logged if who == v}, ("logged", v)
        shown_in_log = {r for r in pointers if r in resolved}
        assert shown_in_log == {i for _, i in notices if (v, i) in m.logged}, ("log", v)
        media = [p.media for p in m.posts.values()]
        seen = await moments.visible_pictures(v, media, now)
        want_media = {p.media for pid, p in m.posts.items() if m.sees_post(v, pid)}
        assert set(seen) == want_media, ("media", v)
