import pytest

from core.errors import ConfigurationError
from core.settings import OPTIONS, load_settings


def test_embedded_default_needs_no_server(tmp_path):
    settings = load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'govcloud.db'}"
    assert settings.feedback_database_url == f"sqlite:///{tmp_path / 'feedback.db'}"
    assert settings.embedded_broker
    # the demo's key is random, kept in var/ so sign-ins survive a restart
    assert len(settings.secret_key) > 40
    assert load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_a_malformed_value_is_an_error_naming_the_variable(tmp_path):
    with pytest.raises(ConfigurationError, match="GOVCLOUD_SESSION_COOKIE_SECURE"):
        load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_SESSION_COOKIE_SECURE": "maybe"})
    with pytest.raises(ConfigurationError, match="GOVCLOUD_PORT"):
        load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_PORT": "eighty"})
    with pytest.raises(ConfigurationError, match="GOVCLOUD_CLOUD_BACKEND"):
        load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_CLOUD_BACKEND": "ftp"})


def test_production_refuses_embedded_secrets_and_databases(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        load_settings({"GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_ENV": "production"})
    for name in ("GOVCLOUD_SECRET_KEY", "GOVCLOUD_DATABASE_URL", "GOVCLOUD_BROKER_URL"):
        assert name in str(caught.value)
    assert not (tmp_path / "secret_key").exists()


def test_secrets_are_never_shown_to_operators(tmp_path):
    settings = load_settings(
        {"GOVCLOUD_VAR_DIR": str(tmp_path), "GOVCLOUD_BALE_BOT_TOKEN": "123:very-secret"}
    )
    shown = dict(settings.public_items())
    assert shown["GOVCLOUD_BALE_BOT_TOKEN"] == "(set)"
    assert "very-secret" not in repr(settings.public_items())


def test_every_option_is_documented():
    for option in OPTIONS:
        assert option.description.strip(), option.name


def test_settings_round_trip_through_the_environment(tmp_path):
    """What a worker or gunicorn process started with `environ()` loads is what the parent had."""
    settings = load_settings(
        {
            "GOVCLOUD_VAR_DIR": str(tmp_path),
            "GOVCLOUD_SESSION_COOKIE_SECURE": "true",
            "GOVCLOUD_PORT": "8123",
            "GOVCLOUD_BALE_RETRY_BASE_SECONDS": "0.5",
        }
    )
    assert load_settings(settings.environ()).values == settings.values


def _production(tmp_path, **extra):
    environ = {
        "GOVCLOUD_VAR_DIR": str(tmp_path),
        "GOVCLOUD_ENV": "production",
        "GOVCLOUD_DATABASE_URL": "postgresql://db/govcloud",
        "GOVCLOUD_FEEDBACK_DATABASE_URL": "postgresql://db/feedback",
        "GOVCLOUD_BROKER_URL": "redis://redis:6379/1",
        "GOVCLOUD_REDIS_URL": "redis://redis:6379/0",
        "GOVCLOUD_SECRET_KEY": "k" * 32,
        "GOVCLOUD_SESSION_COOKIE_SECURE": "true",
        "GOVCLOUD_BALE_BOT_TOKEN": "123:token",
        "GOVCLOUD_BALE_WEBHOOK_SECRET": "b" * 32,
    }
    environ.update(extra)
    return load_settings({k: v for k, v in environ.items() if v is not None})


def test_production_refuses_insecure_cookies_no_redis_and_short_secrets(tmp_path):
    assert _production(tmp_path).secret_key == "k" * 32  # the complete set starts
    refusals = {
        "GOVCLOUD_SESSION_COOKIE_SECURE": {"GOVCLOUD_SESSION_COOKIE_SECURE": "false"},
        "GOVCLOUD_REDIS_URL": {"GOVCLOUD_REDIS_URL": None},
        "GOVCLOUD_SECRET_KEY": {"GOVCLOUD_SECRET_KEY": "k" * 31},
        "GOVCLOUD_BALE_WEBHOOK_SECRET": {"GOVCLOUD_BALE_WEBHOOK_SECRET": "b" * 31},
    }
    for name, change in refusals.items():
        with pytest.raises(ConfigurationError, match=name):
            _production(tmp_path, **change)
    with pytest.raises(ConfigurationError, match="GOVCLOUD_BALE_WEBHOOK_SECRET"):
        _production(tmp_path, GOVCLOUD_BALE_WEBHOOK_SECRET=None)  # a bot without a secret
    for unsendable in ("b" * 31 + "/", "b" * 40 + "+=", "b" * 257):  # not a secret_token Bale can send
        with pytest.raises(ConfigurationError, match="GOVCLOUD_BALE_WEBHOOK_SECRET"):
            _production(tmp_path, GOVCLOUD_BALE_WEBHOOK_SECRET=unsendable)
    assert _production(tmp_path, GOVCLOUD_BALE_WEBHOOK_SECRET="aZ09_-" * 6).bale_webhook_secret
    no_bale = _production(tmp_path, GOVCLOUD_BALE_BOT_TOKEN=None, GOVCLOUD_BALE_WEBHOOK_SECRET=None)
    assert no_bale.bale_webhook_secret == ""  # no bot, no webhook: nothing to guess


def test_session_and_temporary_password_settings_stay_in_their_bounds(tmp_path):
    """Issue 22: the idle timeout, the absolute lifetime (at most a week, never the old 31 days) and
    a first password's days are whole numbers in range, or start-up fails naming the variable."""
    base = {"GOVCLOUD_VAR_DIR": str(tmp_path)}
    defaults = load_settings(base)
    assert defaults.session_idle_minutes == 30 and defaults.session_lifetime_hours == 12
    assert defaults.temporary_password_days == 3
    for name, value in (
        ("GOVCLOUD_SESSION_IDLE_MINUTES", "0"),
        ("GOVCLOUD_SESSION_LIFETIME_HOURS", str(31 * 24)),
        ("GOVCLOUD_TEMPORARY_PASSWORD_DAYS", "forever"),
    ):
        with pytest.raises(ConfigurationError, match=name):
            load_settings({**base, name: value})
