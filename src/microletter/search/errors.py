"""Search's errors, in the one error tree (core/errors.py).

InvalidInput                          invalid_input
├── EmptyQuery                        search.empty_query
└── TooLarge                          invalid_input.too_large
    └── QueryTooLong                  search.query_too_long
"""

from __future__ import annotations

from microletter.core.errors import InvalidInput, TooLarge


class EmptyQuery(InvalidInput):
    code = "search.empty_query"
    hint = "Search for at least one letter, digit or character (punctuation alone finds nothing)."


class QueryTooLong(TooLarge):
    code = "search.query_too_long"
    hint = "Search for at most 100 characters."
