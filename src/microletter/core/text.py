"""What a name may contain: nothing that is shown as nothing, and nothing that reorders
what is shown. Pure.

A name is trusted by how it looks: 'admin\\u202enimda\\u200b' looked like "adminadmin" and
was another account. So names (display names, group names, remarks, official accounts'
names, file names) refuse

- the bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C);
- the other invisible ones: every format character (category Cf: U+200B, U+2060,
  U+FEFF, U+00AD, ...), Unicode's default-ignorable code points (Hangul fillers,
  U+034F, ...), and line and paragraph separators,

except where they do visible work:

- the joiners U+200C and U+200D between two letters of a script that shapes with them
  (Arabic and Persian, Syriac, N'Ko, Mongolian, the Indic scripts, Myanmar, Khmer, ...),
  and U+200D between two emoji (a ZWJ sequence: 👩‍💻);
- variation selectors right after a visible character (❤️ is U+2764 U+FE0F);
- tag characters in an emoji tag sequence (the flags of England, Scotland, Wales).

Messages are not names: their text may carry direction marks, as mixed Arabic and
English text needs them.
"""

from __future__ import annotations

import unicodedata

from microletter.core.errors import InvisibleCharacters

ZWNJ, ZWJ = 0x200C, 0x200D
BLACK_FLAG, CANCEL_TAG = 0x1F3F4, 0xE007F

# Unicode 15.1's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): drawn as nothing.
_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_VARIATION_SELECTORS = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180D), (0x180F, 0x180F))
_TAGS = ((0xE0020, 0xE007E),)
# Scripts whose letters the joiners shape: Arabic (and Persian, Urdu), Syriac, Thaana,
# N'Ko, Mandaic, the Indic scripts from Devanagari to Sinhala, Tibetan, Myanmar, Khmer,
# Mongolian, Balinese, Javanese, Brahmi and its kin.
_JOINING = (
    (0x0600, 0x06FF),
    (0x0700, 0x074F),
    (0x0750, 0x077F),
    (0x0780, 0x07BF),
    (0x07C0, 0x07FF),
    (0x0840, 0x085F),
    (0x0860, 0x086F),
    (0x0870, 0x08FF),
    (0x0900, 0x0DFF),
    (0x0F00, 0x0FFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x1800, 0x18AF),
    (0x1B00, 0x1B7F),
    (0x1CD0, 0x1CFF),
    (0xA8E0, 0xA8FF),
    (0xA980, 0xA9DF),
    (0xAA60, 0xAA7F),
    (0xFB50, 0xFDFF),
    (0xFE70, 0xFEFE),
    (0x10EC0, 0x10EFF),
    (0x11000, 0x111FF),
)
# Where emoji are (approximately Extended_Pictographic, which unicodedata lacks).
_PICTOGRAPHIC = (
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2190, 0x21FF),
    (0x2300, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25A0, 0x27BF),
    (0x2900, 0x297F),
    (0x2B00, 0x2BFF),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
)
_EMOJI_MODIFIERS = ((0x1F3FB, 0x1F3FF),)
KEYCAP = 0x20E3


def _within(cp: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= cp <= high for low, high in ranges)


def is_hidden(c: str) -> bool:
    """Shown as nothing, or changes the order of what is shown (wherever it is)."""
    return unicodedata.category(c) in ("Cf", "Zl", "Zp", "Cs") or _within(ord(c), _IGNORABLE)


def _is_letter_of_joining_script(c: str) -> bool:
    return bool(c) and unicodedata.category(c)[0] in "LM" and _within(ord(c), _JOINING)


def _ends_emoji(c: str) -> bool:
    cp = ord(c) if c else -1
    return (
        _within(cp, _PICTOGRAPHIC)
        or _within(cp, _EMOJI_MODIFIERS)
        or cp in (0xFE0F, KEYCAP, CANCEL_TAG)
    )


def _does_visible_work(cp: int, before: str, after: str) -> bool:
    """Whether the hidden character `cp`, between `before` and `after` (each one
    character, or '' at an end), is part of what is shown."""
    if cp in (ZWNJ, ZWJ) and _is_letter_of_joining_script(before):
        return _is_letter_of_joining_script(after)
    if cp == ZWJ:
        return _ends_emoji(before) and bool(after) and _within(ord(after), _PICTOGRAPHIC)
    if cp == 0x180E:  # the Mongolian vowel separator, between Mongolian letters
        return _is_letter_of_joining_script(before) and _is_letter_of_joining_script(after)
    if _within(cp, _VARIATION_SELECTORS):
        return bool(before) and not is_hidden(before) and not before.isspace()
    if _within(cp, _TAGS):
        return bool(before) and (ord(before) == BLACK_FLAG or _within(ord(before), _TAGS))
    if cp == CANCEL_TAG:
        return bool(before) and _within(ord(before), _TAGS)
    return False


def hidden_character(text: str) -> tuple[int, str] | None:
    """The first character of `text` that hides or reorders what is shown (its index
    and itself), or None."""
    for i, c in enumerate(text):
        if not is_hidden(c):
            continue
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if not _does_visible_work(ord(c), before, after):
            return i, c
    return None


def check_visible(text: str, field: str, what: str) -> str:
    """`text` if every character of it is shown as itself (see the module); else
    InvisibleCharacters naming the field, the character (U+XXXX) and where it is."""
    found = hidden_character(text)
    if found is None:
        return text
    position, c = found
    point = f"U+{ord(c):04X}"
    raise InvisibleCharacters(
        f"{what} contains an invisible or text-direction character ({point}).",
        field=field,
        character=point,
        position=position,
    )
