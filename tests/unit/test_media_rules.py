"""The pure media rules: waveform bars, thumbnail sizes, names, message bodies, which
media a message carries, the types blobs are served as, and signed links."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core import media as m
from microletter.core.errors import (
    BadSignature,
    InvalidInput,
    MediaKindMismatch,
    MediaNotFound,
    MediaTooLong,
    SignatureExpired,
    TooLarge,
)
from microletter.core.ids import UserId
from microletter.core.kinds import Content, check_content
from microletter.core.limits import Limits
from microletter.core.models import Instant, MessageKind

ID = m.MediaId("ab" * 32)
SECRET = b"k" * 32


def test_silence_is_a_flat_waveform() -> None:
    assert m.waveform([0] * 8000) == [0] * 64


def test_each_bar_is_its_buckets_peak_scaled_to_the_loudest() -> None:
    samples = [0] * 640
    samples[5] = -16000  # bucket 0, negative peak counts by its size
    samples[15] = 8000  # bucket 1
    samples[630] = 4000  # bucket 63
    bars = m.waveform(samples)
    assert bars[0] == 255 and bars[1] == 128 and bars[63] == 64
    assert bars[2:63] == [0] * 61


def test_quiet_noise_is_not_blown_up_to_full_height() -> None:
    bars = m.waveform([10, -10] * 320)
    assert max(bars) == round(10 * 255 / 1024)


def test_fewer_samples_than_bars_still_give_64_bars() -> None:
    bars = m.waveform([30000, 0, -30000])
    assert len(bars) == 64 and bars.count(255) == 2 and bars.count(0) == 62


@given(st.lists(st.integers(-32768, 32767), max_size=3000), st.integers(1, 100))
def test_the_waveform_always_has_its_bar_count_in_range(samples: list[int], buckets: int) -> None:
    bars = m.waveform(samples, buckets)
    assert len(bars) == buckets and all(0 <= b <= 255 for b in bars)
    if samples and max(abs(s) for s in samples) >= 1024:
        assert max(bars) == 255


@pytest.mark.parametrize(
    ("size", "thumb"),
    [((320, 200), None), ((100, 100), None), ((640, 480), (320, 240)), ((300, 3000), (32, 320))],
)
def test_thumbnails_fit_320_pixels_and_keep_the_shape(
    size: tuple[int, int], thumb: tuple[int, int] | None
) -> None:
    assert m.thumbnail_size(*size) == thumb


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("photo.jpg", "photo.jpg"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("../../etc/passwd", "passwd"),
        ("bad\x00\x1fname.txt", "badname.txt"),
        ("   ", "voice"),
        (None, "voice"),
    ],
)
def test_names_lose_folders_and_control_characters(raw: str | None, clean: str) -> None:
    assert m.check_name(raw, m.MediaKind.VOICE) == clean


def test_a_name_over_255_characters_is_refused() -> None:
    with pytest.raises(InvalidInput):
        m.check_name("x" * 256, m.MediaKind.FILE)


def test_voice_may_be_a_second_over_the_limit_but_no_more() -> None:
    assert m.check_duration(61_000, 60) == 61_000
    with pytest.raises(MediaTooLong) as caught:
        m.check_duration(61_001, 60)
    assert isinstance(caught.value, TooLarge) and caught.value.details["max_seconds"] == 60


def test_upload_caps_depend_on_the_kind_and_never_pass_the_overall_one() -> None:
    limits = m.MediaLimits(max_upload_bytes=100, max_image_bytes=10, max_voice_bytes=1000)
    assert limits.max_bytes(m.MediaKind.IMAGE) == 10
    assert limits.max_bytes(m.MediaKind.VOICE) == 100
    assert limits.max_bytes(m.MediaKind.FILE) == 100


# --- message bodies ---


def test_text_messages_need_text_and_carry_no_media() -> None:
    assert check_content(MessageKind.TEXT, "hi", None, None, Limits()) == Content(text="hi")
    with pytest.raises(InvalidInput):
        check_content(MessageKind.TEXT, None, None, None, Limits())
    with pytest.raises(InvalidInput):
        check_content(MessageKind.TEXT, "hi", ID, None, Limits())


def test_media_messages_need_a_media_id_and_take_a_caption_except_voice() -> None:
    assert check_content(MessageKind.IMAGE, "look", ID, None, Limits()) == Content(
        text="look", media_id=ID
    )
    assert check_content(MessageKind.FILE, "  ", ID, None, Limits()) == Content(media_id=ID)
    assert check_content(MessageKind.VOICE, "dropped", ID, None, Limits()) == Content(media_id=ID)
    with pytest.raises(InvalidInput):
        check_content(MessageKind.IMAGE, "look", None, None, Limits())
    with pytest.raises(InvalidInput):
        check_content(MessageKind.IMAGE, None, "ABC", None, Limits())
    with pytest.raises(TooLarge):
        check_content(MessageKind.FILE, "x" * 20, ID, None, Limits(max_text_bytes=10))


def test_system_notes_cannot_be_sent() -> None:
    with pytest.raises(InvalidInput):
        check_content(MessageKind.SYSTEM, "hi", None, None, Limits())


def media(kind: m.MediaKind) -> m.Media:
    return m.Media(ID, kind, "application/octet-stream", 1, "x", Instant(0))


def test_a_message_carries_the_media_of_its_kind() -> None:
    seen = [media(m.MediaKind.FILE), media(m.MediaKind.VOICE)]
    assert m.choose_media(ID, seen, m.MediaKind.VOICE) is seen[1]
    with pytest.raises(MediaKindMismatch) as caught:
        m.choose_media(ID, seen, m.MediaKind.IMAGE)
    assert caught.value.details["media_kind"] == "file"
    with pytest.raises(MediaNotFound):
        m.choose_media(ID, [], m.MediaKind.FILE)


def test_media_of_keeps_only_the_facts_of_its_kind() -> None:
    facts = m.BlobFacts(ID, "image/png", 9, 10, 20, True, 1000, (1, 2))
    image = m.media_of(facts, m.MediaKind.IMAGE, "a.png", Instant(5))
    assert (image.width, image.height, image.has_thumbnail, image.waveform) == (10, 20, True, None)
    as_file = m.media_of(facts, m.MediaKind.FILE, "a.png", Instant(5))
    assert (as_file.width, as_file.has_thumbnail, as_file.duration_ms) == (None, False, None)
    data = m.media_data(m.media_of(facts, m.MediaKind.VOICE, "v", Instant(5)))
    assert data["media"] == {
        "id": ID,
        "kind": "voice",
        "mime": "image/png",
        "size": 9,
        "name": "v",
        "created_at": 5,
        "width": None,
        "height": None,
        "has_thumbnail": False,
        "duration_ms": 1000,
        "waveform": [1, 2],
    }


@pytest.mark.parametrize(
    ("mime", "served"),
    [
        ("image/jpeg", "image/jpeg"),
        ("audio/webm", "audio/webm"),
        ("application/pdf", "application/pdf"),
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("application/x-msdownload", "application/octet-stream"),
    ],
)
def test_uploads_are_never_served_as_html_script_or_svg(mime: str, served: str) -> None:
    assert m.served_type(mime) == served


# --- signed links ---


def test_a_signed_link_checks_out_until_it_expires() -> None:
    user, expires = UserId(7), Instant(10_000)
    path = m.signed_path(SECRET, ID, m.Variant.THUMBNAIL, user, expires)
    assert path.startswith(f"/m/{ID}/thumbnail?u=7&e=10000&s=")
    sig = path.rsplit("=", 1)[1]
    m.check_signature(SECRET, ID, m.Variant.THUMBNAIL, user, expires, sig, Instant(9_999))
    with pytest.raises(SignatureExpired):
        m.check_signature(SECRET, ID, m.Variant.THUMBNAIL, user, expires, sig, Instant(10_000))


@pytest.mark.parametrize(
    "change",
    [
        {"secret": b"other"},
        {"media_id": m.MediaId("cd" * 32)},
        {"variant": m.Variant.ORIGINAL},
        {"user": UserId(8)},
        {"expires": 20_000},
        {"sig": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"sig": "ü"},
    ],
)
def test_changing_any_part_of_a_link_breaks_its_signature(change: dict[str, object]) -> None:
    parts: dict[str, object] = {
        "secret": SECRET,
        "media_id": ID,
        "variant": m.Variant.THUMBNAIL,
        "user": UserId(7),
        "expires": 10_000,
    }
    sig = m.signature(**parts)  # type: ignore[arg-type]
    parts = {**parts, "sig": sig, **change}
    with pytest.raises(BadSignature):
        m.check_signature(now=Instant(0), **parts)  # type: ignore[arg-type]


def test_links_expire_on_a_grid_so_repeated_asks_give_one_url() -> None:
    hour = 3_600_000
    assert m.link_expiry(Instant(0), hour) == hour
    assert m.link_expiry(Instant(hour // 2 - 1), hour) == hour
    assert m.link_expiry(Instant(hour // 2), hour) == hour + hour // 2
    for now in (1, 12345, 9_999_999):
        left = m.link_expiry(Instant(now), hour) - now
        assert hour // 2 < left <= hour


def test_a_group_avatar_key_changes_with_any_tile_and_keeps_the_group_prefix() -> None:
    tiles = [("a" * 64, "alice"), (None, "bob")]
    key = m.group_avatar_key(7, tiles)
    assert re.fullmatch(r"[0-9a-f]{64}\.grid", key)
    assert m.group_avatar_key(7, list(tiles)) == key
    changed = [
        m.group_avatar_key(7, [("b" * 64, "alice"), (None, "bob")]),  # a new picture
        m.group_avatar_key(7, [*tiles, (None, "carol")]),  # a member more
        m.group_avatar_key(7, tiles[::-1]),  # another order
    ]
    assert len({key, *changed}) == 4
    assert all(k[:16] == key[:16] for k in changed)
    assert m.group_avatar_key(8, tiles)[:16] != key[:16]
    tenth = [(None, f"u{i}") for i in range(9)]
    assert m.group_avatar_key(7, tenth) == m.group_avatar_key(7, [*tenth, (None, "late")])
