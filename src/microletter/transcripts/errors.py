"""Transcripts' errors, in the one error tree (core/errors.py).

InvalidInput                          invalid_input
├── NotVoice                          transcript.not_voice
└── LanguageUnsupported               transcript.language_unsupported
Unavailable                           unavailable
└── TranscriptFailed                  transcript.failed
"""

from __future__ import annotations

from microletter.core.errors import InvalidInput, Unavailable


class NotVoice(InvalidInput):
    code = "transcript.not_voice"
    hint = "Only a voice message can be converted to text."


class LanguageUnsupported(InvalidInput):
    code = "transcript.language_unsupported"
    hint = "No speech recognizer here covers that language (details.languages: those covered)."


class TranscriptFailed(Unavailable):
    code = "transcript.failed"
    hint = "The recognizer could not finish this recording; try again later."
