"""Configuration: HOTLINE_* environment variables or an optional .env file.

Nothing is read at import time; call :func:`load_settings` in the composition root.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "dev-secret-change-me"}
DEV_SECRET = "dev-secret-change-me"


class ConfigError(Exception):
    """The configuration cannot be used; the message says which key and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Field(default=Path("var"), description="where the SQLite file, recordings, models live")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    secret_key: str = Field(default=DEV_SECRET, description="signs session cookies and CSRF tokens")
    timezone: str = "Asia/Shanghai"
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8000, ge=1, le=65535)
    sip_config: Path = Path("sip.conf")
    vosk_model: Path | None = Field(default=None, description="Vosk model directory")
    asr_servers: str = Field(default="", description="comma-separated ws:// speech servers; empty: local")
    asr_defer_lag_s: float = Field(default=20.0, ge=0.0, le=3600.0,
                                   description="live ASR lag past which a call is transcribed later from its "
                                               "recording (转写排队); 0 defers every call")
    asr_defer_wait_s: float = Field(default=5.0, ge=0.0, le=600.0,
                                    description="how long a call may wait for a free recognizer before it is "
                                                "transcribed later from its recording")
    relisten_confidence: float = Field(default=0.6, ge=0.0, le=1.0,
                                       description="calls below this mean word confidence go to 待复听")
    relisten_coverage: float = Field(default=0.9, ge=0.0, le=1.0,
                                     description="calls whose decoded share of the captured audio is "
                                                 "below this go to 待复听")
    classifier_model: Path | None = Field(default=None, description="intent model dir; default: shipped")
    intent_threshold: float = Field(default=0.45, ge=0.0, le=1.0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    kiosk_api_keys: str = Field(default="", description="comma-separated API keys, one per kiosk")
    callback_uri_template: str = Field(default="", description="SIP URI for callbacks, with {number}")
    softphone_ws_url: str = Field(default="", description="Kamailio's WebSocket for browser softphones, e.g. "
                                  "ws://127.0.0.1:8088 (wss:// when the console is on https); empty: off")
    softphone_sip_domain: str = Field(default="", description="agents' SIP domain, Kamailio's HOST:PORT; "
                                      "default: the WebSocket URL's host")
    softphone_secret: str = Field(default="", description="shared with Kamailio's auth_ephemeral")
    softphone_credential_ttl_s: int = Field(default=43200, ge=300, le=7 * 86400,
                                            description="lifetime of a console's softphone credentials")

    @field_validator("softphone_ws_url")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        if value and not value.startswith(("ws://", "wss://")):
            raise ValueError("use ws://HOST:PORT or wss://HOST[:PORT][/PATH] (Kamailio's WebSocket listener)")
        return value
    sms_gateway: str = Field(default="", description="smpp://id:pw@host:port?source=… or an HTTP API URL")
    sms_http_body: str = Field(default="", description="JSON body for an HTTP SMS API, with {phone} {text}")
    warning_share: float = Field(default=0.8, gt=0.0, lt=1.0,
                                 description="临期预警 once a case has used this share of its time limit")

    @field_validator("callback_uri_template")
    @classmethod
    def _has_number_slot(cls, value: str) -> str:
        if value and "{number}" not in value:
            raise ValueError("needs {number}, e.g. sip:{number}@pbx.example")
        return value

    @field_validator("asr_servers")
    @classmethod
    def _websocket_urls(cls, value: str) -> str:
        urls = [u.strip() for u in value.split(",") if u.strip()]
        bad = [u for u in urls if not u.startswith(("ws://", "wss://"))]
        if bad:
            raise ValueError(f"speech servers are ws://HOST:PORT URLs (vosk-server protocol): {bad}")
        return value

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError("use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return value

    @model_validator(mode="after")
    def _no_placeholder_secret_in_production(self) -> Settings:
        if self.env == "production" and self.secret_key.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "HOTLINE_SECRET_KEY is a placeholder; set a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return self

    @cached_property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'hotline.sqlite3').resolve()}"

    @property
    def asr_server_urls(self) -> list[str]:
        return [u.strip() for u in self.asr_servers.split(",") if u.strip()]

    @property
    def kiosk_keys(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.kiosk_api_keys.split(",") if k.strip())

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def effective_vosk_model(self) -> Path:
        return self.vosk_model or self.models_dir / "vosk-model-small-cn-0.22"

    def masked(self) -> dict[str, object]:
        """Effective configuration for display, secrets masked."""
        shown: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if name in ("secret_key", "softphone_secret"):
                value = "****" + ("(placeholder)" if value in PLACEHOLDER_SECRETS else "")
            elif name == "kiosk_api_keys":
                value = f"**** ({len(self.kiosk_keys)} keys)"
            elif (name in ("database_url", "sms_gateway") and value and "@" in value
                  and ":" in value.split("@")[0]):
                head, tail = value.split("@", 1)
                value = head.rsplit(":", 1)[0] + ":****@" + tail
            shown[name] = str(value) if isinstance(value, Path) else value
        shown["effective_database_url"] = shown["database_url"] or self.effective_database_url
        shown["effective_vosk_model"] = str(self.effective_vosk_model)
        return shown


def load_settings(**overrides: object) -> Settings:
    """Build and validate settings; raise :class:`ConfigError` with a readable message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # validated right here
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = "HOTLINE_" + "_".join(str(p) for p in err["loc"]).upper() if err["loc"] else "settings"
            lines.append(f"{key}: {err['msg']}")
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
