"""The books room's rules: who may read which chapter, what a purchase costs, the offer
at the end of what one may read, the spending limit, and the checks of input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.books.errors import (
    ChapterAlreadyBought,
    ChapterFree,
    ChapterLocked,
    ChapterTextInvalid,
    PriceChanged,
    SpendingLimitInvalid,
    WorkAlreadyBought,
    WorkNotForSale,
)
from microletter.books.rules import (
    MAX_CHAPTER_TEXT,
    NOTHING,
    WHOLE,
    Heading,
    Ownership,
    ShopId,
    Work,
    WorkId,
    can_read,
    check_chapter,
    check_limit,
    check_readable,
    ebook_format,
    last_readable,
    notice_data,
    offer,
    price_of,
    within_limit,
)
from microletter.core.errors import InvalidInput
from microletter.core.ids import UserId
from microletter.core.models import Instant


def work(free: int = 2, price: int = 100, whole: int | None = 500, chapters: int = 5) -> Work:
    t = Instant(0)
    return Work(WorkId(7), ShopId(UserId(3)), "Night", "", "", free, price, whole, chapters, t, t)


def owns(*chapters: int) -> Ownership:
    return Ownership(WHOLE in chapters, frozenset(c for c in chapters if c != WHOLE))


def test_the_free_chapters_and_only_those_are_read_without_buying() -> None:
    w = work()
    assert [can_read(w, n, NOTHING) for n in range(1, 6)] == [True, True, False, False, False]
    with pytest.raises(ChapterLocked) as locked:
        check_readable(w, 3, NOTHING)
    assert locked.value.details["price"] == 100 and locked.value.details["work_price"] == 500


def test_a_bought_chapter_or_the_whole_work_opens_chapters() -> None:
    w = work()
    assert can_read(w, 4, owns(4)) and not can_read(w, 3, owns(4))
    assert all(can_read(w, n, owns(WHOLE)) for n in range(1, 100))  # chapters to come too


def test_a_chapter_costs_its_price_and_the_work_its_own() -> None:
    w = work()
    assert price_of(w, 3, NOTHING, None) == 100
    assert price_of(w, WHOLE, owns(3, 4), 500) == 500


def test_buying_what_one_owns_or_what_is_free_is_refused() -> None:
    w = work()
    with pytest.raises(ChapterAlreadyBought):
        price_of(w, 3, owns(3), None)
    with pytest.raises(ChapterAlreadyBought):
        price_of(w, 4, owns(WHOLE), None)
    with pytest.raises(WorkAlreadyBought):
        price_of(w, WHOLE, owns(WHOLE), None)
    with pytest.raises(ChapterFree):
        price_of(w, 1, NOTHING, None)
    with pytest.raises(WorkNotForSale):
        price_of(work(whole=None), WHOLE, NOTHING, None)
    with pytest.raises(PriceChanged) as changed:
        price_of(w, 3, NOTHING, 90)
    assert changed.value.details["price"] == 100


def test_the_offer_at_the_end_of_the_free_chapters_is_the_next_one_and_the_work() -> None:
    w = work()
    assert last_readable(w, NOTHING) == 2
    o = offer(w, NOTHING, 2)
    assert (o.next_chapter, o.chapter_price, o.work_price) == (3, 100, 500)
    # at the last published chapter there is no next one to buy; owning the work, no work
    assert offer(w, owns(3, 4, 5), 5).next_chapter is None
    assert offer(w, owns(WHOLE), 5).work_price is None
    assert last_readable(w, owns(3, 5)) == 3  # the unbroken run


@given(
    limit=st.integers(0, 10_000),
    prices=st.lists(st.integers(1, 500), max_size=30),
)
def test_auto_purchase_never_spends_past_the_limit(limit: int, prices: list[int]) -> None:
    spent = 0
    for price in prices:
        if not within_limit(limit, spent, price):
            break
        spent += price
    assert spent <= limit


def test_chapter_text_is_checked() -> None:
    assert check_chapter("  One  ", "Text\r\nmore\n") == ("One", "Text\nmore")
    for title, text in (("", "x"), ("x", "  "), ("x" * 101, "x"), ("x", "a\x00b")):
        with pytest.raises(ChapterTextInvalid):
            check_chapter(title, text)
    with pytest.raises(ChapterTextInvalid):
        check_chapter("x", "y" * (MAX_CHAPTER_TEXT + 1))
    assert len(check_chapter("x", "字" * MAX_CHAPTER_TEXT)[1]) == MAX_CHAPTER_TEXT


def test_a_spending_limit_is_a_whole_number_of_minor_units() -> None:
    assert check_limit(0) == 0 and check_limit(2500) == 2500
    for bad in (-1, 1.5, True, "10", None):
        with pytest.raises(SpendingLimitInvalid):
            check_limit(bad)
    assert issubclass(SpendingLimitInvalid, InvalidInput)


def test_e_books_are_known_by_their_type_or_their_name() -> None:
    assert ebook_format("application/pdf", "x") == "pdf"
    assert ebook_format("application/octet-stream", "Novel.EPUB") == "epub"
    assert ebook_format("application/zip", "novel.zip") is None


def test_a_notice_is_a_template_card_that_opens_the_chapter() -> None:
    data = notice_data(work(), Heading(6, "The Storm", 10, Instant(0)), "Night Press")
    assert data["template_id"] == "books.chapter_published"
    assert data["url"] == "#/books/7/read/6" and data["text"] == "6. The Storm"
