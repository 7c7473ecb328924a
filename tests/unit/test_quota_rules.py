"""Storage rules, pure: quotas, the free-disk floor, the settings that set them, and the
registry of referrers that the media collector asks."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microletter.core.errors import QuotaExceeded, StorageFull
from microletter.core.quotas import Retention, check_free_disk, check_quota
from microletter.media import Referrers
from microletter.ports import Referrer
from microletter.settings import Settings, SettingsError
from microletter.storage import MEDIA_REFERRERS


def test_an_upload_that_fits_exactly_passes_and_one_byte_more_is_refused() -> None:
    check_quota(600, 400, 1000)
    with pytest.raises(QuotaExceeded) as refused:
        check_quota(600, 401, 1000)
    assert dict(refused.value.details) == {"quota_bytes": 1000, "used_bytes": 600, "size": 401}
    assert refused.value.code == "media.quota_exceeded"


@given(st.integers(0, 2**50), st.integers(0, 2**40))
def test_without_a_quota_nothing_is_refused(used: int, adding: int) -> None:
    check_quota(used, adding, None)


def test_a_quota_of_zero_means_none() -> None:
    assert Retention(quota_bytes=0).quota is None
    assert Retention(quota_bytes=5).quota == 5


def test_uploads_stop_where_they_would_leave_less_than_the_floor() -> None:
    check_free_disk(free=10_000, needed=4_000, min_free=6_000)
    with pytest.raises(StorageFull) as refused:
        check_free_disk(free=10_000, needed=4_001, min_free=6_000)
    assert refused.value.details == {"min_free_bytes": 6_000}
    check_free_disk(free=0, needed=10, min_free=0)  # 0: never refused


def test_the_storage_settings_become_the_retention() -> None:
    retention = Settings(
        media_quota_bytes=10,
        media_min_free_bytes=20,
        media_upload_ttl_seconds=120,
        media_gc_grace_seconds=60,
        media_gc_batch=7,
    ).retention
    assert retention == Retention(10, 20, 120_000, 60_000, 7)
    defaults = Settings().retention
    assert (defaults.quota_bytes, defaults.upload_ttl_ms) == (5 * 1024**3, 86_400_000)


@pytest.mark.parametrize(
    "env",
    [
        {"MICROLETTER_MEDIA_QUOTA_BYTES": "-1"},
        {"MICROLETTER_MEDIA_MIN_FREE_BYTES": "-1"},
        {"MICROLETTER_MEDIA_UPLOAD_TTL_SECONDS": "59"},
        {"MICROLETTER_MEDIA_GC_GRACE_SECONDS": "0"},
        {"MICROLETTER_MEDIA_GC_INTERVAL_SECONDS": "-1"},
        {"MICROLETTER_MEDIA_GC_BATCH": "0"},
    ],
)
def test_storage_settings_out_of_range_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_referrers_are_kept_in_the_order_they_were_registered() -> None:
    registry = Referrers()
    registry.register(*MEDIA_REFERRERS)
    registry.register(Referrer("stickers", "SELECT media_id FROM stickers WHERE x = ANY($1)"))
    assert registry.names == ["uploads", "messages", "avatars", "stickers"]
    assert len(registry) == 4 and [r.name for r in registry] == registry.names


@pytest.mark.parametrize(
    ("referrer", "says"),
    [
        (Referrer("messages", "SELECT $1"), "registered twice"),
        (Referrer("Stickers", "SELECT $1"), "lowercase"),
        (Referrer("stickers", "SELECT media_id FROM stickers"), "$1"),
    ],
)
def test_a_wrong_referrer_fails_at_once(referrer: Referrer, says: str) -> None:
    registry = Referrers()
    registry.register(*MEDIA_REFERRERS)
    with pytest.raises(ValueError, match=re.escape(says)):
        registry.register(referrer)


def test_a_referrer_takes_the_time_only_if_its_query_names_it() -> None:
    assert not Referrer("a", "SELECT x FROM t WHERE x = ANY($1)").timed
    assert Referrer("b", "SELECT x FROM t WHERE x = ANY($1) AND at > $2").timed
