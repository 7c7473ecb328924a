"""The fair queue's bookkeeping (media.turns.Turns), without an event loop: how many run,
whose turn is next, and who is refused instead of queued."""

from __future__ import annotations

import pytest

from microletter.core.errors import MediaBusy
from microletter.media.turns import Turns


def test_owners_take_turns_round_robin() -> None:
    turns: Turns[str] = Turns(capacity=1, per_owner=1, max_waiting=10)
    for ticket in ("m1", "m2", "m3"):
        turns.ask("mallory", ticket)
    turns.ask("alice", "a1")
    turns.ask("bob", "b1")
    order = []
    while started := turns.next():
        [(owner, ticket)] = started
        order.append(ticket)
        turns.finish(owner)
    assert order == ["m1", "a1", "b1", "m2", "m3"]


def test_an_owner_runs_at_most_per_owner_jobs_while_others_fill_the_rest() -> None:
    turns: Turns[str] = Turns(capacity=3, per_owner=1, max_waiting=10)
    for ticket in ("m1", "m2", "m3"):
        turns.ask("mallory", ticket)
    assert turns.next() == [("mallory", "m1")]  # capacity is left, but not for mallory
    turns.ask("alice", "a1")
    assert turns.next() == [("alice", "a1")]
    turns.finish("mallory")
    assert turns.next() == [("mallory", "m2")]
    assert turns.busy == 2 and turns.waiting("mallory") == 1


def test_an_owner_with_max_waiting_tickets_is_refused() -> None:
    turns: Turns[int] = Turns(capacity=1, per_owner=1, max_waiting=2)
    turns.ask("mallory", 1)
    turns.next()
    turns.ask("mallory", 2)
    turns.ask("mallory", 3)
    with pytest.raises(MediaBusy):
        turns.ask("mallory", 4)
    turns.ask("alice", 1)  # everyone else still gets in line


def test_a_withdrawn_ticket_never_starts() -> None:
    turns: Turns[str] = Turns(capacity=1, per_owner=1, max_waiting=5)
    turns.ask("alice", "a1")
    turns.ask("bob", "b1")
    turns.withdraw("alice", "a1")
    turns.withdraw("alice", "a1")  # twice, or after it started: nothing happens
    assert turns.next() == [("bob", "b1")]
    assert turns.next() == []
