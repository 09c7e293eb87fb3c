"""Settings: read once at an entry point (CLI, web, tests) and passed down, never imported.

Sources, strongest first: keyword arguments, `LIASSE_*` environment variables,
`<LIASSE_HOME>/liasse.toml`, defaults. Nested keys use a double underscore in the
environment (`LIASSE_ROUTING__REVIEW_FROM=0.6`).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "placeholder", "xxx"})


def default_home() -> Path:
    env = os.environ.get("LIASSE_HOME")
    if env:
        return Path(env).expanduser()
    return Path("~/.local/share/liasse").expanduser()


class SmtpSettings(BaseModel):
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "liasse@localhost"
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False


class WebConfig(BaseModel):
    model_config = {"frozen": True}

    # None: a random secret per process, so sessions end when the server restarts.
    session_secret: SecretStr | None = None
    # A session ends this long after login whatever happens (absolute lifetime)...
    session_max_age_seconds: int = Field(default=12 * 3600, ge=60)
    # ...or after this long without a request (idle lifetime).
    session_idle_seconds: int = Field(default=2 * 3600, ge=60)
    # "auto": Secure cookies when the request arrived over https (directly or via a proxy).
    secure_cookies: bool | None = None
    # Failed logins are slowed, never locked out: after this many failures for one account
    # from one address, each try waits twice as long as the last (from 1 s, up to the max).
    # Keyed on account and address, so a stranger cannot lock the real user out.
    login_failures_before_delay: int = Field(default=3, ge=1)
    # The same per address, over every account it tries (password spraying).
    login_failures_before_delay_per_address: int = Field(default=20, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    # argon2id cost; the defaults are argon2-cffi's (RFC 9106 low-memory profile).
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=8)
    # Where people reach the app, for links in e-mails (no trailing slash).
    public_url: str = "http://127.0.0.1:8000"
    smtp: SmtpSettings | None = None
    # Addresses or networks of the reverse proxies whose X-Forwarded-For/-Proto are believed
    # (e.g. ["127.0.0.1"] behind a local nginx). Empty: nobody's, the client is the socket.
    trusted_proxies: tuple[str, ...] = ()
    # `/metrics` for Prometheus (installation totals, no names): off by default, a 404.
    metrics: bool = False
    # When set, `/metrics` asks for `Authorization: Bearer <token>` (401 otherwise).
    metrics_token: SecretStr | None = None

    def uvicorn_proxy_options(self) -> dict[str, Any]:
        """What uvicorn needs to apply `trusted_proxies` (its own default trusts 127.0.0.1)."""
        if not self.trusted_proxies:
            return {"proxy_headers": False, "forwarded_allow_ips": []}
        return {"proxy_headers": True, "forwarded_allow_ips": list(self.trusted_proxies)}


class RoutingSettings(BaseModel):
    """Confidence bands: below `review_from` refused, from `approve_from` posted automatically."""

    review_from: Decimal = Decimal("0.55")
    approve_from: Decimal = Decimal("0.85")

    @model_validator(mode="after")
    def _ordered(self) -> RoutingSettings:
        if not Decimal(0) <= self.review_from <= self.approve_from <= Decimal(1):
            raise ValueError("routing needs 0 <= review_from <= approve_from <= 1")
        return self


class AccountingSettings(BaseModel):
    """The bank account's currency and a rate table for documents in other currencies
    (`fx_rates = {USD = "0.92"}`: 1 USD = 0.92 EUR), used until a bank line gives the
    real converted amount."""

    account_currency: str = "EUR"
    fx_rates: dict[str, Decimal] = Field(default_factory=dict)


class ExtractionSettings(BaseModel):
    max_pages: int = Field(default=50, ge=1, le=5000)
    time_limit_seconds: float = Field(default=60.0, gt=0)
    # The deadline of one document's OCR (every page), in the limited child process.
    ocr_time_limit_seconds: float = Field(default=300.0, gt=0)
    ocr: Literal["auto", "always", "never"] = "auto"
    # Which OCR engine reads scans and photos; None: the default of `extract.ocr`.
    ocr_engine: Literal["tesseract", "rapidocr"] | None = None


class PrivacySettings(BaseModel):
    """How long originals are kept. French law keeps invoices ten years; None keeps them
    for ever (the default). Records and their audit trail stay; only the files go."""

    retention_years: int | None = Field(default=None, ge=1, le=100)


class InboxSettings(BaseModel):
    """The local folder source: where files are dropped and how long they must stay still."""

    path: Path | None = None
    settle_seconds: float = Field(default=2.0, ge=0)
    poll_seconds: float = Field(default=10.0, gt=0)


class QontoOAuthSettings(BaseModel):
    """The OAuth app liasse signs in to Qonto as (point the URLs at the emulator to test).

    No client id: the web app offers the API-key form only.
    """

    client_id: str | None = None
    client_secret: SecretStr | None = None
    authorize_url: str = "https://oauth.qonto.com/oauth2/auth"
    token_url: str = "https://oauth.qonto.com/oauth2/token"  # noqa: S105 - a URL


class QontoSettings(BaseModel):
    """`sandbox` runs liasse's own Qonto emulator in-process (the embedded default)."""

    mode: Literal["sandbox", "remote", "off"] = "sandbox"
    base_url: str = "https://thirdparty.qonto.com"
    sandbox_port: int = Field(default=8765, ge=0, le=65535)
    oauth: QontoOAuthSettings = QontoOAuthSettings()


class SyncSettings(BaseModel):
    """Windows for remote connections (Dropbox, Qonto): at most four an hour each.

    `unthrottled` lifts the four-an-hour floor, for emulators only (tests, benchmarks):
    real APIs throttle, and Qonto blocks an IP that calls too often.
    """

    window_minutes: float = Field(default=15.0, gt=0)
    unthrottled: bool = False


class JobSettings(BaseModel):
    """The job queue on PostgreSQL (procrastinate): how soon a silent worker's jobs go to
    another. (`/metrics`, which serves the queue's figures, is a web setting.)"""

    heartbeat_seconds: float = Field(default=10.0, gt=0)
    # A worker without a heartbeat for this long is dead: its running jobs are retried.
    stalled_seconds: float = Field(default=30.0, gt=0)
    # How often a live worker looks for a dead one's jobs.
    recover_every_seconds: int = Field(default=15, ge=1, le=59)


class DropboxSettings(BaseModel):
    """The Dropbox app liasse connects as; `base_url` points every host at an emulator."""

    app_key: str = "liasse"
    base_url: str | None = None


class BlobSettings(BaseModel):
    """Where document files are kept: the home folder by default, or an S3-compatible
    bucket shared by every host (`url = "s3://bucket/prefix"`). Credentials left unset
    come from the usual AWS sources (environment, profile, instance role)."""

    url: str | None = Field(default=None, pattern=r"^s3://[^/]+(/.*)?$")
    endpoint_url: str | None = None  # a non-AWS service (MinIO, Garage, Scaleway, …)
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None


class WebSettings(WebConfig):
    """Where the web app listens, plus its own settings (sessions, throttling, SMTP)."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LIASSE_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    home: Path = Field(default_factory=default_home)
    database_url: str | None = None
    secret_key: str | None = None
    environment: Literal["development", "production"] = "development"
    workspace: str = "default"
    inbox: InboxSettings = InboxSettings()
    extraction: ExtractionSettings = ExtractionSettings()
    routing: RoutingSettings = RoutingSettings()
    accounting: AccountingSettings = AccountingSettings()
    qonto: QontoSettings = QontoSettings()
    sync: SyncSettings = SyncSettings()
    jobs: JobSettings = JobSettings()
    dropbox: DropboxSettings = DropboxSettings()
    blobs: BlobSettings = BlobSettings()
    web: WebSettings = WebSettings()
    privacy: PrivacySettings = PrivacySettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = default_home() / "liasse.toml"
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_file),
        )

    @field_validator("home")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'liasse.db'}"

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file (meaningful only when `is_sqlite`)."""
        url = self.resolved_database_url
        return Path(url.split(":///", 1)[1]) if ":///" in url else self.home / "liasse.db"

    @property
    def inbox_path(self) -> Path:
        return self.inbox.path or self.home / "inbox"

    @property
    def blob_path(self) -> Path:
        return self.home / "blobs"

    @property
    def key_file(self) -> Path:
        return self.home / "master.key"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """The one way entry points read settings."""
    return Settings(**overrides)


def with_listen(settings: Settings, *, host: str | None = None, port: int | None = None,
                sandbox_port: int | None = None) -> Settings:
    """The settings with `liasse run --host/--port/--sandbox-port` over the rest."""
    web = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    qonto = {"sandbox_port": sandbox_port} if sandbox_port is not None else {}
    return settings.model_copy(update={"web": settings.web.model_copy(update=web),
                                       "qonto": settings.qonto.model_copy(update=qonto)})
