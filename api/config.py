"""Configuration from environment variables; every one is listed in the README."""

import logging
import os
import secrets
from datetime import timedelta

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"secret", "changeme", "change-me", "dev", "development", "password", "test"}


class InsecureConfiguration(RuntimeError):
    """Production was asked to start with a missing or weak secret."""


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def load_config(overrides: dict | None = None) -> dict:
    """Read the environment, apply overrides, and make sure the secrets are fit for the mode."""
    env = (overrides or {}).get("ENGAGE_ENV", os.environ.get("ENGAGE_ENV", "development"))
    config = {
        "ENGAGE_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "JWT_SECRET_KEY": os.environ.get("JWT_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", "sqlite:///engage.db"),
        "MAX_CONTENT_LENGTH": _int_env("MAX_CONTENT_LENGTH", 1024 * 1024),
        "CORS_ORIGINS": [o for o in os.environ.get("CORS_ORIGINS", "").split(",") if o],
        # Production shares counters across processes in Redis; the embedded default keeps
        # them in memory (one process).
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI",
            "redis://127.0.0.1:6379/0" if env == "production" else "memory://",
        ),
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT", "600 per minute"),
        "RATELIMIT_LOGIN_FAILURES": os.environ.get("RATELIMIT_LOGIN_FAILURES", "5 per 15 minutes"),
        "RATELIMIT_LOGIN_ADDRESS_FAILURES": os.environ.get(
            "RATELIMIT_LOGIN_ADDRESS_FAILURES", "20 per 15 minutes"
        ),
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=_int_env("JWT_ACCESS_MINUTES", 15)),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(days=_int_env("JWT_REFRESH_DAYS", 14)),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "MATCH_INVITATION_TTL_HOURS": _int_env("MATCH_INVITATION_TTL_HOURS", 72),
        "TUBE_MAP_MIN_COUNT": _int_env("TUBE_MAP_MIN_COUNT", 5),
        # A pooled PostgreSQL connection idle this many seconds is pinged before use.
        "DATABASE_IDLE_BEFORE_PING": _int_env("DATABASE_IDLE_BEFORE_PING", 10),
        # Proxies in front whose X-Forwarded-For names the client (throttles are per address).
        "TRUSTED_PROXIES": _int_env("TRUSTED_PROXIES", 0),
        # Webhook receivers on 127.0.0.1 / ::1 (local development and tests only).
        "WEBHOOK_ALLOW_LOOPBACK": os.environ.get("WEBHOOK_ALLOW_LOOPBACK", "") in ("1", "true"),
        **_mail_config(),
    }
    config.update(overrides or {})
    _check_secrets(config)
    return config


def _mail_config() -> dict:
    """Email: SMTP when SMTP_HOST is set, else `.eml` files under instance/mail."""
    return {
        "SMTP_HOST": os.environ.get("SMTP_HOST"),
        "SMTP_PORT": _int_env("SMTP_PORT", 587),
        "SMTP_SECURITY": os.environ.get("SMTP_SECURITY", "starttls"),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME"),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD"),
        "SMTP_TIMEOUT": _int_env("SMTP_TIMEOUT", 30),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "Engage <no-reply@engage.localhost>"),
        "MAIL_DIR": os.environ.get("MAIL_DIR"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_PASSWORD_RESET": os.environ.get("RATELIMIT_PASSWORD_RESET", "5 per hour"),
        "NOTIFICATIONS_LEASE_SECONDS": _int_env("NOTIFICATIONS_LEASE_SECONDS", 120),
    }


def _check_secrets(config: dict) -> None:
    generated = []
    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        value = config.get(name)
        if config["ENGAGE_ENV"] == "production":
            if not value or len(value) < MIN_SECRET_LENGTH or value.lower() in WEAK_SECRETS:
                raise InsecureConfiguration(
                    f"{name} must be set to a random value of at least {MIN_SECRET_LENGTH} "
                    "characters in production, e.g. python -c 'import secrets; "
                    "print(secrets.token_urlsafe(48))'"
                )
        elif not value:
            config[name] = secrets.token_urlsafe(48)
            generated.append(name)
    if generated:
        log.warning(
            "%s not set: generated random ones for this process (tokens will not survive a "
            "restart). Set them in the environment to keep sessions.",
            " and ".join(generated),
        )
