"""The registry of referrers: every room that keeps media ids declares, here, how to ask it
whether it still needs a blob (ports.Referrer). The media collector asks all of them
before it deletes a blob, so it never needs to know the rooms, and a new room (favourites,
stickers, posts, products, e-books, ...) is covered as soon as it registers its own.

Filled once, in app.py, before the server starts: the core's referrers come from the
storage room, each feature room registers its own from its own folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from microletter.ports import Referrer

_NAME = re.compile(r"[a-z][a-z0-9_.]*")


class Referrers:
    """The referrers, by name. Iterating gives them in the order they were registered."""

    def __init__(self) -> None:
        self._by_name: dict[str, Referrer] = {}

    def register(self, *referrers: Referrer) -> None:
        """Add referrers; a name used twice, or a query that does not take the ids as
        `$1`, is a mistake in the code and fails at once."""
        for referrer in referrers:
            if not _NAME.fullmatch(referrer.name):
                raise ValueError(f"a referrer's name is lowercase words: {referrer.name!r}")
            if referrer.name in self._by_name:
                raise ValueError(f"the media referrer {referrer.name!r} is registered twice")
            if "$1" not in referrer.sql:
                raise ValueError(f"the media referrer {referrer.name!r} must read the ids as $1")
            self._by_name[referrer.name] = referrer

    @property
    def names(self) -> list[str]:
        return list(self._by_name)

    def __iter__(self) -> Iterator[Referrer]:
        return iter(list(self._by_name.values()))

    def __len__(self) -> int:
        return len(self._by_name)
