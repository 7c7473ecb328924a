"""The delivery cursor: live hints and log pulls give every log entry once, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from microletter.gateway.connection import Decision, Delivery


def caught_up(sent: int) -> Delivery:
    """A delivery whose first pull is over, with `sent` entries sent."""
    delivery = Delivery(sent)
    assert delivery.page_done(full_page=False)
    return delivery


def test_a_new_connection_starts_by_pulling() -> None:
    delivery = Delivery(5)
    assert delivery.pulling
    assert delivery.sent == delivery.hint_max == 5


def test_hints_during_a_pull_are_dropped_but_remembered() -> None:
    delivery = Delivery(0)
    assert delivery.offer(3) is Decision.DROP
    assert delivery.offer(2) is Decision.DROP
    assert delivery.hint_max == 3
    assert delivery.sent == 0


def test_the_next_entry_is_sent_as_it_comes() -> None:
    delivery = caught_up(4)
    assert delivery.offer(5) is Decision.SEND
    assert delivery.offer(6) is Decision.SEND
    assert delivery.sent == 6


def test_an_entry_already_sent_is_dropped() -> None:
    delivery = caught_up(4)
    assert delivery.offer(4) is Decision.DROP
    assert delivery.offer(1) is Decision.DROP
    assert delivery.sent == 4


def test_a_gap_starts_a_pull_and_later_hints_wait_for_it() -> None:
    delivery = caught_up(4)
    assert delivery.offer(6) is Decision.PULL
    assert delivery.pulling
    assert delivery.offer(5) is Decision.DROP
    assert delivery.offer(7) is Decision.DROP
    assert delivery.hint_max == 7


def test_a_pull_takes_only_the_next_entry() -> None:
    delivery = Delivery(4)
    assert not delivery.take(4)
    assert not delivery.take(6)
    assert delivery.take(5)
    assert not delivery.take(5)
    assert delivery.take(6)
    assert delivery.sent == 6


def test_a_pull_goes_on_after_a_full_page() -> None:
    delivery = Delivery(0)
    assert not delivery.page_done(full_page=True)
    assert delivery.pulling


def test_a_pull_goes_on_until_it_reaches_the_highest_hint() -> None:
    delivery = Delivery(0)
    delivery.offer(3)
    assert delivery.take(1) and delivery.take(2)
    assert not delivery.page_done(full_page=False)  # 3 was announced but not read yet
    assert delivery.take(3)
    assert delivery.page_done(full_page=False)
    assert not delivery.pulling
    assert delivery.offer(4) is Decision.SEND


def test_a_delivery_may_start_caught_up() -> None:
    delivery = Delivery(2, pulling=False)
    assert delivery.offer(3) is Decision.SEND


# --- the promise, as a property ---

COMMIT, HINT, READ, PROCESS = "commit", "hint", "read", "process"
Step = tuple[str, int]


class Connection:
    """A device's connection against a log kept as a list: hints come from the bus in
    any order, duplicated, and a pull reads pages of the log while hints keep coming."""

    def __init__(self, start: int, page: int) -> None:
        self.log: list[int] = list(range(1, start + 1))  # entry seqs; committed = readable
        self.start = start
        self.page = page
        self.delivery = Delivery(start)
        self.hints: list[int] = []  # published but not yet handled, in any order
        self.pull: list[int] | None | bool = True  # True: next page to read; list: page read
        self.sent: list[int] = []

    def commit(self, copies: int) -> None:
        self.log.append(len(self.log) + 1)
        self.hints += [self.log[-1]] * copies

    def hint(self, index: int) -> None:
        seq = self.hints.pop(index % len(self.hints))
        decision = self.delivery.offer(seq)
        if decision is Decision.SEND:
            self.send(seq)
        elif decision is Decision.PULL:
            assert self.pull is None, "a second pull started while one runs"
            self.pull = True

    def read(self) -> None:
        """sync.changes(after=sent, limit=page): a snapshot of the log at this moment."""
        after = self.delivery.sent
        self.pull = self.log[after : after + self.page]

    def process(self) -> None:
        assert isinstance(self.pull, list)
        page = self.pull
        for seq in page:
            if self.delivery.take(seq):
                self.send(seq)
        self.pull = None if self.delivery.page_done(len(page) == self.page) else True

    def send(self, seq: int) -> None:
        self.sent.append(seq)
        assert self.sent == list(range(self.start + 1, self.start + 1 + len(self.sent)))

    def step(self, kind: str, arg: int) -> None:
        if kind == COMMIT:
            self.commit(arg)
        elif kind == HINT and self.hints:
            self.hint(arg)
        elif kind == READ and self.pull is True:
            self.read()
        elif kind == PROCESS and isinstance(self.pull, list):
            self.process()
        if self.pull is None and not self.hints:  # quiet: nothing may be stranded
            assert self.delivery.sent == len(self.log)

    def settle(self) -> None:
        """Everything published is handled and every pull runs to its end."""
        while self.hints or self.pull is not None:
            if self.pull is True:
                self.read()
            elif isinstance(self.pull, list):
                self.process()
            else:
                self.hint(0)


steps = st.lists(
    st.one_of(
        st.tuples(st.just(COMMIT), st.sampled_from([1, 1, 1, 2, 3])),  # copies of its hint
        st.tuples(st.just(HINT), st.integers(0, 7)),  # which pending hint arrives next
        st.tuples(st.sampled_from([READ, PROCESS]), st.just(0)),
    ),
    max_size=100,
)


@settings(max_examples=100, deadline=None)
@given(start=st.integers(0, 5), page=st.integers(1, 4), script=steps)
def test_every_entry_is_sent_exactly_once_and_in_order(
    start: int, page: int, script: list[Step]
) -> None:
    connection = Connection(start, page)
    for kind, arg in script:
        connection.step(kind, arg)
    connection.settle()
    assert connection.sent == connection.log[start:]
    assert connection.delivery.sent == len(connection.log)
    assert not connection.delivery.pulling


@given(
    sent=st.integers(0, 6),
    hint_max=st.integers(0, 9),
    pulling=st.booleans(),
    seq=st.integers(0, 9),
)
def test_the_live_shortcut_decides_as_offer_does(
    sent: int, hint_max: int, pulling: bool, seq: int
) -> None:
    """`next_in_line` (the gateway's fast path) sends exactly what `offer` would send,
    leaving the same state; when it declines, `offer` is asked and nothing changed."""
    fast, slow = Delivery(sent, pulling=pulling), Delivery(sent, pulling=pulling)
    fast.hint_max = slow.hint_max = max(sent, hint_max)
    if fast.next_in_line(seq):
        assert slow.offer(seq) is Decision.SEND
    else:
        assert (fast.sent, fast.hint_max, fast.pulling) == (sent, max(sent, hint_max), pulling)
        decision = fast.offer(seq)
        assert decision is slow.offer(seq)
        assert decision is not Decision.SEND
    assert (fast.sent, fast.hint_max, fast.pulling) == (slow.sent, slow.hint_max, slow.pulling)
