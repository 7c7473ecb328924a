"""Translation's errors, in the one error tree (core/errors.py).

InvalidInput                          invalid_input
├── NotTranslatable                   translate.not_text
└── LanguageUnsupported               translate.language_unsupported
Unavailable                           unavailable
└── TranslatorUnavailable             translate.unavailable
NotConfigured                         not_configured
└── TranslatorNotConfigured           translate.not_configured

An engine (port.py) raises LanguageUnsupported or TranslatorUnavailable itself; anything
else it raises is logged and answered as TranslatorUnavailable.
"""

from __future__ import annotations

from microletter.core.errors import InvalidInput, NotConfigured, Unavailable


class NotTranslatable(InvalidInput):
    code = "translate.not_text"
    hint = "Only a text message can be translated (not a recalled one, nor a system note)."


class LanguageUnsupported(InvalidInput):
    code = "translate.language_unsupported"
    hint = "The translator does not translate into (or from) this language."


class TranslatorUnavailable(Unavailable):
    code = "translate.unavailable"
    hint = "The translator did not answer in time or failed; try again shortly."


class TranslatorNotConfigured(NotConfigured):
    code = "translate.not_configured"
    hint = (
        "Translation is not configured on this server: its operators can plug in an engine"
        " with MICROLETTER_TRANSLATOR (docs/translation.md)."
    )
