"""Favourites' errors, in the one error tree (core/errors.py).

NotFound                              not_found
└── FavouriteNotFound                 favourite.not_found
"""

from __future__ import annotations

from microletter.core.errors import NotFound


class FavouriteNotFound(NotFound):
    code = "favourite.not_found"
    hint = "No such favourite."
