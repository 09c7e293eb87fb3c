"""The web app's own settings, with safe defaults; `create_app` takes them as an argument.

The integrator maps these onto `liasse.app.settings.Settings` (e.g. `LIASSE_WEB__SESSION_SECRET`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, SecretStr


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
