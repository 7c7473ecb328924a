"""Settings from MICROLETTER_* variables: typos fail, types convert, secrets stay hidden."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from microletter.settings import Secret, Settings, SettingsError, mask_url


def test_no_variables_give_the_defaults() -> None:
    assert Settings.from_env({}) == Settings()


def test_variables_without_our_prefix_are_ignored() -> None:
    assert Settings.from_env({"PORT": "1", "HOME": "/root", "MICROLETTERPORT": "2"}) == Settings()


def test_an_unknown_microletter_variable_is_an_error_naming_it() -> None:
    with pytest.raises(SettingsError, match="MICROLETTER_PROT"):
        Settings.from_env({"MICROLETTER_PROT": "9000"})


def test_variables_of_our_tooling_are_not_settings() -> None:
    assert Settings.from_env({"MICROLETTER_TEST_DB": "x"}) == Settings()


def test_values_are_converted_to_the_field_types() -> None:
    settings = Settings.from_env(
        {
            "MICROLETTER_PORT": "9000",
            "MICROLETTER_WS_HELLO_TIMEOUT": "2.5",
            "MICROLETTER_DATA_DIR": "/var/lib/microletter",
            "MICROLETTER_HOST": "0.0.0.0",
            "MICROLETTER_BUS_URL": "memory://",
        }
    )
    assert settings.port == 9000
    assert settings.ws_hello_timeout == 2.5
    assert settings.data_dir == Path("/var/lib/microletter")
    assert settings.host == "0.0.0.0"
    assert settings.bus_url == "memory://"


@pytest.mark.parametrize(
    ("name", "raw"),
    [("PORT", "80a"), ("PORT", ""), ("NODE_ID", "1.5"), ("WS_HEARTBEAT", "soon")],
)
def test_a_value_of_the_wrong_type_is_an_error_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=f"MICROLETTER_{name}"):
        Settings.from_env({f"MICROLETTER_{name}": raw})


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "Yes", "on"])
def test_true_booleans(raw: str) -> None:
    assert Settings.from_env({"MICROLETTER_TRUST_PROXY": raw}).trust_proxy is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "OFF"])
def test_false_booleans(raw: str) -> None:
    settings = Settings.from_env({"MICROLETTER_TRUST_PROXY": raw}, trust_proxy=None)
    assert settings.trust_proxy is False


@pytest.mark.parametrize("raw", ["", "2", "maybe", "y es"])
def test_anything_else_is_not_a_boolean(raw: str) -> None:
    with pytest.raises(SettingsError, match="MICROLETTER_TRUST_PROXY"):
        Settings.from_env({"MICROLETTER_TRUST_PROXY": raw})


def test_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"MICROLETTER_PORT": "9000"}, port=9001)
    assert settings.port == 9001


def test_overrides_left_unset_do_not_erase_the_environment() -> None:
    settings = Settings.from_env({"MICROLETTER_PORT": "9000"}, port=None, host=None)
    assert settings.port == 9000
    assert settings.host == Settings().host


@pytest.mark.parametrize(
    "env",
    [
        {"MICROLETTER_PORT": "70000"},
        {"MICROLETTER_NODE_ID": "16"},
        {"MICROLETTER_LOG_FORMAT": "xml"},
        {"MICROLETTER_SQLITE_SYNCHRONOUS": "sometimes"},
    ],
)
def test_values_out_of_range_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_overrides_are_validated_too() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({}, port=-1)


def test_the_database_defaults_to_sqlite_in_the_data_dir() -> None:
    settings = Settings(data_dir=Path("/srv/ml"))
    assert settings.effective_database_url == "sqlite:////srv/ml/microletter.db"


def test_limits_follow_the_settings() -> None:
    limits = Settings(max_text_bytes=10, max_group_members=3, recall_window_seconds=7).limits
    assert (limits.max_text_bytes, limits.max_group_members) == (10, 3)
    assert limits.recall_window_ms == 7000


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://app:s3cret@db:5432/ml", "postgresql://app:***@db:5432/ml"),
        ("redis://:s3cret@cache:6379/0", "redis://:***@cache:6379/0"),
        ("redis://default:s3cret@cache", "redis://default:***@cache"),
        ("postgresql://app:s3cr@t@db/ml", "postgresql://app:***@db/ml"),
    ],
)
def test_redacted_masks_the_password_in_a_url(url: str, shown: str) -> None:
    redacted = Settings(database_url=url, bus_url=url).redacted()
    assert redacted["database_url"] == shown
    assert redacted["bus_url"] == shown
    assert not any("s3cr" in value for value in redacted.values())


@pytest.mark.parametrize(
    "url", ["sqlite:////var/lib/ml.db", "memory://", "redis://cache:6379", "postgresql://db/ml"]
)
def test_urls_without_a_password_are_shown_as_they_are(url: str) -> None:
    assert mask_url(url) == url


def test_redacted_shows_every_setting_as_text() -> None:
    settings = Settings(port=1234, trust_proxy=True)
    redacted = settings.redacted()
    assert redacted["port"] == "1234"
    assert redacted["trust_proxy"] == "True"
    assert redacted["database_url"] == settings.effective_database_url
    assert set(redacted) == {f.name for f in fields(Settings)}


def test_the_repr_of_settings_hides_passwords_too() -> None:
    settings = Settings(database_url="postgresql://app:s3cret@db/ml")
    assert "s3cret" not in repr(settings)
    assert "s3cret" not in str(settings)


def test_the_media_secret_is_never_shown() -> None:
    settings = Settings.from_env({"MICROLETTER_MEDIA_SECRET": "hunter2-hunter2"})
    assert settings.media_secret.reveal() == "hunter2-hunter2"
    assert settings.redacted()["media_secret"] == "***"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.media_secret)
    assert Settings().redacted()["media_secret"].startswith("(made on first start")
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")


def test_media_defaults_to_a_folder_in_the_data_dir() -> None:
    settings = Settings(data_dir=Path("/srv/ml"))
    assert settings.effective_media_url == "file:///srv/ml/media"
    assert settings.redacted()["media_url"] == "file:///srv/ml/media"
    limits = Settings(max_voice_seconds=30, media_link_seconds=60).media_limits
    assert (limits.max_voice_seconds, limits.link_ttl_ms) == (30, 60_000)


@pytest.mark.parametrize(
    "env", [{"MICROLETTER_MEDIA_URL": "s3://bucket"}, {"MICROLETTER_MEDIA_LINK_SECONDS": "1"}]
)
def test_media_settings_out_of_range_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_operators_are_a_comma_separated_list_of_usernames() -> None:
    assert Settings().operators == ()
    settings = Settings.from_env({"MICROLETTER_OPERATORS": " root, chief ,,"})
    assert settings.operators == ("root", "chief")
    assert settings.redacted()["operators"] == "root,chief"
    assert Settings().redacted()["operators"] == "(none)"


@pytest.mark.parametrize("raw", ["Root", "root,al ice", "ab"])
def test_operators_must_be_valid_usernames(raw: str) -> None:
    with pytest.raises(SettingsError, match="operators"):
        Settings.from_env({"MICROLETTER_OPERATORS": raw})


def test_transcribe_engines_are_a_list_and_may_be_none() -> None:
    assert Settings().transcribe_engines == ("pocketsphinx",)
    env = {"MICROLETTER_TRANSCRIBE_ENGINES": "whisper_engine:Whisper, pocketsphinx"}
    assert Settings.from_env(env).transcribe_engines == ("whisper_engine:Whisper", "pocketsphinx")
    assert Settings.from_env({"MICROLETTER_TRANSCRIBE_ENGINES": ""}).transcribe_engines == ()
    assert Settings().redacted()["transcribe_engines"] == "pocketsphinx"
    assert Settings(transcribe_engines=()).redacted()["transcribe_engines"] == "(none)"


@pytest.mark.parametrize(
    "env",
    [
        {"MICROLETTER_TRANSCRIBE_PROCESSES": "0"},
        {"MICROLETTER_TRANSCRIBE_MEMORY_MB": "100"},
        {"MICROLETTER_TRANSCRIBE_TIMEOUT": "0"},
        {"MICROLETTER_TRANSCRIBE_PUSH_WAIT": "-1"},
        {"MICROLETTER_TRANSCRIBE_WAITING_PER_USER": "0"},
    ],
)
def test_transcribe_settings_out_of_range_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError, match="transcribe_"):
        Settings.from_env(env)


def test_workers_may_share_a_redis_cluster_and_its_password_is_masked() -> None:
    url = "redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7001"
    settings = Settings.from_env(
        {
            "MICROLETTER_DATABASE_URL": "postgresql://db/microletter",
            "MICROLETTER_BUS_URL": url,
            "MICROLETTER_WORKERS": "2",
        }
    )
    assert settings.is_distributed
    assert mask_url(url) == "redis+cluster://:***@10.0.0.1:7000,10.0.0.2:7001"
