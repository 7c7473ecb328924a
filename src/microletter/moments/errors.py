"""Moments' errors, in the one error tree (core/errors.py). A post, comment or person one
may not see answers exactly as one that does not exist (404), so nothing reveals it.

InvalidInput                          invalid_input
├── EmptyPost                         moments.empty
├── TooManyImages                     moments.too_many_images
└── UnknownAudience                   moments.unknown_audience
NotFound                              not_found
├── PostNotFound                      moments.post_not_found
├── CommentNotFound                   moments.comment_not_found
└── TagNotFound                       contact.tag_not_found
Conflict                              conflict
└── TagNameTaken                      contact.tag_name_taken
"""

from __future__ import annotations

from microletter.core.errors import Conflict, InvalidInput, NotFound


class EmptyPost(InvalidInput):
    code = "moments.empty"
    hint = "A post has text, images or a video."


class TooManyImages(InvalidInput):
    code = "moments.too_many_images"
    hint = "A post carries at most 9 images."


class UnknownAudience(InvalidInput):
    code = "moments.unknown_audience"
    hint = "The audience names a tag you do not have or a person who is not your contact."


class PostNotFound(NotFound):
    code = "moments.post_not_found"
    hint = "No such post (or you may not see it)."


class CommentNotFound(NotFound):
    code = "moments.comment_not_found"
    hint = "No such comment (or you may not see it)."


class TagNotFound(NotFound):
    code = "contact.tag_not_found"
    hint = "No such tag of yours."


class TagNameTaken(Conflict):
    code = "contact.tag_name_taken"
    hint = "You have a tag of that name already."
