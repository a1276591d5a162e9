"""Every setting the platform reads, declared once with its type, default and meaning.

The environment is read once, at start-up, with strict parsing: a malformed value is an error
that names the variable, never a silent fallback. Secrets have no default outside the embedded
demo; production refuses to start without them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError

PREFIX = "GOVCLOUD_"


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected a boolean (true/false, 1/0, yes/no, on/off), got {raw!r}")


def parse_int(raw: str) -> int:
    return int(raw.strip())


def parse_float(raw: str) -> float:
    return float(raw.strip())


def parse_str(raw: str) -> str:
    return raw.strip()


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {raw!r}")
        return value

    return parse


def _prefix_length(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw.strip().lstrip("/"))
        if not low <= value <= high:
            raise ValueError(f"expected a prefix length from {low} to {high}, got {raw!r}")
        return value

    return parse


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = parse_int(raw)
        if not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {raw!r}")
        return value

    return parse


def _networks(raw: str) -> str:
    """Comma-separated IP networks, each checked; kept as text, normalized."""
    networks = []
    for part in raw.split(","):
        if part.strip():
            try:
                networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError:
                raise ValueError(f"not an IP network: {part.strip()!r}") from None
    return ",".join(networks)


@dataclasses.dataclass(frozen=True)
class Option:
    """One declared setting: the environment variable is PREFIX + name upper-cased."""

    name: str
    parse: Callable[[str], Any]
    default: Any
    description: str
    secret: bool = False

    @property
    def env(self) -> str:
        return PREFIX + self.name.upper()


OPTIONS: tuple[Option, ...] = (
    Option(
        "env",
        _choice("development", "production", "test"),
        "development",
        "Deployment kind; production refuses embedded defaults for secrets and databases.",
    ),
    Option(
        "var_dir",
        parse_str,
        "var",
        "Folder for the embedded default's SQLite files, broker queue and outputs.",
    ),
    Option(
        "database_url", parse_str, "", "Platform database (SQLAlchemy URL). Empty: SQLite file in var_dir."
    ),
    Option(
        "feedback_database_url",
        parse_str,
        "",
        "Feedback tenant's own database (SQLAlchemy URL). Empty: SQLite file in var_dir.",
    ),
    Option(
        "database_direct_url",
        parse_str,
        "",
        "Platform database without a pooler in between, for migrations. Empty: database_url.",
        secret=True,
    ),
    Option(
        "feedback_database_direct_url",
        parse_str,
        "",
        "Feedback database without a pooler in between, for migrations. Empty: feedback_database_url.",
        secret=True,
    ),
    Option(
        "feedback_dashboard_database_url",
        parse_str,
        "",
        "Read-only copy of the feedback database (a streaming replica) the dashboards read from; they"
        " fold nothing there (the worker folds on the primary). Empty: feedback_database_url.",
        secret=True,
    ),
    Option("redis_url", parse_str, "", "Redis for rate limits and live updates. Empty: in-process memory."),
    Option(
        "broker_url",
        parse_str,
        "",
        "Celery broker. Empty: the embedded filesystem broker in var_dir (worker under `govcloud run`).",
    ),
    Option("result_backend", parse_str, "", "Celery result backend. Empty: results are not stored."),
    Option(
        "task_queue_prefix",
        parse_str,
        "",
        "Prefix for Celery queue names (isolates test runs sharing a Redis).",
    ),
    Option(
        "secret_key", parse_str, "", "Signs sessions and CSRF tokens. Required in production.", secret=True
    ),
    Option(
        "cloud_backend",
        _choice("gitops", "kubernetes"),
        "gitops",
        "Where landing zones are applied: gitops writes manifests to a folder, kubernetes uses the API.",
    ),
    Option("gitops_dir", parse_str, "", "Working clone of the GitOps repository. Empty: var_dir/gitops."),
    Option(
        "gitops_repository",
        parse_str,
        "",
        "Git repository the GitOps controller syncs (a path or any git URL); one commit per apply that"
        " changes a file. Empty: a bare repository beside gitops_dir (gitops_dir + .git).",
    ),
    Option(
        "gitops_readiness",
        _choice("none", "deployments", "argocd", "flux"),
        "none",
        "How the gitops backend learns a workload runs, through the cluster of kubeconfig: deployments"
        " (their rollout), argocd (the Application) or flux (the Kustomization) named after the tenant's"
        " namespace; none trusts the commit (the demo without a cluster).",
    ),
    Option(
        "gitops_controller_namespace",
        parse_str,
        "",
        "Namespace of the Argo CD Applications or Flux Kustomizations. Empty: argocd or flux-system.",
    ),
    Option(
        "workload_url_template",
        parse_str,
        "",
        "Address a migrated workload answers at, for the run's smoke request and the joined-the-cloud"
        " evidence: {host} (its Ingress host), {name}, {namespace}, {path} (its readiness path), e.g."
        " https://{host}{path}. Empty: no request is made and no workload counts as answering.",
    ),
    Option(
        "kubeconfig",
        parse_str,
        "",
        "Kubeconfig for the kubernetes backend. Empty: in-cluster or ~/.kube/config.",
    ),
    Option("base_url", parse_str, "http://127.0.0.1:8000", "Public URL of the portal."),
    Option(
        "feedback_base_url",
        parse_str,
        "http://127.0.0.1:8001",
        "Public URL of the feedback service (printed into QR codes).",
    ),
    Option("host", parse_str, "127.0.0.1", "Address `govcloud run` binds to."),
    Option("port", parse_int, 8000, "Port of the portal under `govcloud run`."),
    Option("feedback_port", parse_int, 8001, "Port of the feedback service under `govcloud run`."),
    Option("default_locale", _choice("fa", "en"), "fa", "Language shown before the visitor picks one."),
    Option("session_cookie_secure", parse_bool, False, "Send the session cookie over HTTPS only."),
    Option(
        "metrics_port",
        parse_int,
        0,
        "Port of the Prometheus metrics of gunicorn and Celery workers (summed over processes); 0: none.",
    ),
    Option("log_level", _choice("debug", "info", "warning", "error"), "info", "Logging threshold."),
    Option(
        "smtp_url",
        parse_str,
        "",
        "SMTP server for e-mail (smtp://user@host:port). Empty: no e-mail.",
        secret=True,
    ),
    Option(
        "feedback_min_responses",
        parse_int,
        5,
        "Fewer survey responses than this and a score shows as not enough responses yet.",
    ),
    Option(
        "trusted_proxies",
        parse_int,
        0,
        "Reverse proxies in front of each app whose X-Forwarded-For and -Proto are trusted (the ingress: 1).",
    ),
    Option(
        "feedback_job_files_days",
        parse_int,
        7,
        "Days job files (uploads, rejects, printed sheets) are kept before the worker deletes them.",
    ),
    Option(
        "feedback_retention_months",
        parse_int,
        0,
        "Months of raw survey responses kept (PostgreSQL: older monthly partitions are dropped daily; the"
        " rollups' totals stay). 0: keep every month; otherwise at least 13 (the 365-day period reads them).",
    ),
    Option(
        "client_ipv4_prefix",
        _prefix_length(8, 32),
        32,
        "IPv4 prefix length that counts as one client for per-network limits (survey, short codes, sign-in)"
        " (IPv6 always /64). Lower it (e.g. 24) where one subscriber rotates through a pool.",
    ),
    Option(
        "session_idle_minutes",
        _int_between(1, 24 * 60),
        30,
        "Minutes without a request after which a signed-in session of either app ends (ASVS 3.3.2).",
    ),
    Option(
        "session_lifetime_hours",
        _int_between(1, 7 * 24),
        12,
        "Hours after sign-in at which a session ends however busy it is (ASVS 3.3.2).",
    ),
    Option(
        "temporary_password_days",
        _int_between(1, 30),
        3,
        "Days a password set by someone else (a first password, an admin's reset) works unless changed.",
    ),
    Option("bale_api_base", parse_str, "https://tapi.bale.ai", "Base URL of the Bale Bot API."),
    Option("bale_bot_token", parse_str, "", "Bale bot token.", secret=True),
    Option(
        "bale_webhook_secret",
        parse_str,
        "",
        "Secret of the Bale webhook: setWebhook's secret_token, sent back in a header (or the URL's last "
        "path segment); in production 32 to 256 of A-Z a-z 0-9 _ -.",
        secret=True,
    ),
    Option(
        "bale_retry_base_seconds",
        parse_float,
        2.0,
        "First retry delay of a failed Bale API call; it doubles on each retry (capped at 10 minutes).",
    ),
    Option(
        "oidc_client_secret",
        parse_str,
        "",
        "Secret the feedback app presents to the portal's OpenID Connect token endpoint (officials' one"
        " sign-in). Empty: derived from secret_key outside production; in production, no portal sign-in.",
        secret=True,
    ),
    Option(
        "oidc_signing_key",
        parse_str,
        "",
        "PEM RSA private key the portal signs its ID tokens with. Empty: one kept in var_dir outside"
        " production; in production, no portal sign-in.",
        secret=True,
    ),
    Option(
        "probe_allowed_networks",
        _networks,
        "",
        "Comma-separated networks (CIDR) the prober may reach although not public, e.g. an intranet's"
        " 10.20.0.0/16; everything else not globally routable is refused (metadata addresses always).",
    ),
    Option(
        "probe_ca_bundle",
        parse_str,
        "",
        "PEM file of the CAs probes trust for HTTPS (a government CA). Empty: the system store.",
    ),
    Option(
        "probe_connect_timeout", parse_float, 5.0, "Seconds a probe waits for its TCP and TLS connection."
    ),
    Option(
        "probe_total_timeout",
        parse_float,
        15.0,
        "Seconds a probe may take in all (every redirect and the answer's body); slower counts as down.",
    ),
    Option(
        "probe_interval_seconds",
        parse_int,
        300,
        "Seconds between two probes of a service unless its own interval says otherwise (jittered by 10%).",
    ),
    Option(
        "probe_retention_days",
        parse_int,
        30,
        "Days each probe's row is kept; daily availability and latency percentiles are kept beyond.",
    ),
    Option(
        "satisfaction_url",
        parse_str,
        "",
        "The feedback tenant's public aggregates (JSON) read for the satisfaction metric."
        " Empty: feedback_base_url + /transparency.json.",
    ),
    Option(
        "probe_host_concurrency",
        parse_int,
        2,
        "Probes at once against one host, across all workers (needs Redis; otherwise per process).",
    ),
)

OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Resolved settings. Build with `load_settings`; tests build with `load_settings(overrides)`."""

    values: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def var_path(self) -> Path:
        return Path(self.values["var_dir"]).resolve()

    @property
    def embedded_broker(self) -> bool:
        return self.values["broker_url"].startswith("filesystem://")

    @property
    def is_sqlite(self) -> bool:
        return self.values["database_url"].startswith("sqlite")

    def replace(self, **changes: Any) -> Settings:
        unknown = set(changes) - set(OPTIONS_BY_NAME)
        if unknown:
            raise ConfigurationError(f"unknown settings: {', '.join(sorted(unknown))}")
        return Settings({**self.values, **changes})

    def environ(self) -> dict[str, str]:
        """GOVCLOUD_* variables that make another process (a worker, a gunicorn) load these settings."""
        env = {}
        for option in OPTIONS:
            value = self.values[option.name]
            env[option.env] = ("true" if value else "false") if isinstance(value, bool) else str(value)
        return env

    def child_environ(self) -> dict[str, str]:
        """This process's environment with its GOVCLOUD_* variables replaced by these settings: what
        a child process (test worker, benchmark server) is started with."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
        return {**env, **self.environ()}

    def public_items(self) -> list[tuple[str, Any]]:
        """Settings safe to show an operator: secrets are reported only as set or not set."""
        items = []
        for option in OPTIONS:
            value = self.values[option.name]
            items.append((option.env, ("(set)" if value else "(not set)") if option.secret else value))
        return items


def read_setting(name: str, environ: Mapping[str, str] | None = None) -> Any:
    """One setting from the environment, parsed as `load_settings` parses it, for what runs before
    (or without) loading them all: the gunicorn master's logging and metrics, the command group."""
    option = OPTIONS_BY_NAME[name]
    raw = (os.environ if environ is None else environ).get(option.env, "")
    if not raw:
        return option.default
    try:
        return option.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{option.env}: {exc}") from None


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Parse GOVCLOUD_* variables strictly, then fill the embedded defaults that need no server."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for option in OPTIONS:
        if option.name in overrides:
            values[option.name] = overrides[option.name]
            continue
        raw = environ.get(option.env)
        if raw is None or raw == "":
            values[option.name] = option.default
            continue
        try:
            values[option.name] = option.parse(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{option.env}: {exc}") from None
    unknown = set(overrides) - set(OPTIONS_BY_NAME)
    if unknown:
        raise ConfigurationError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(_fill_embedded_defaults(values))


def _fill_embedded_defaults(values: dict[str, Any]) -> dict[str, Any]:
    var = Path(values["var_dir"]).resolve()
    production = values["env"] == "production"
    missing = []
    for name, default in (
        ("database_url", f"sqlite:///{var / 'govcloud.db'}"),
        ("feedback_database_url", f"sqlite:///{var / 'feedback.db'}"),
        ("broker_url", "filesystem://"),
    ):
        if not values[name]:
            if production:
                missing.append(OPTIONS_BY_NAME[name].env)
            values[name] = default
    if not values["gitops_dir"]:
        values["gitops_dir"] = str(var / "gitops")
    if not values["secret_key"]:
        if production:
            missing.append(OPTIONS_BY_NAME["secret_key"].env)
        else:
            values["secret_key"] = _embedded_secret(var)
    if not production:
        _fill_embedded_sign_in(values, var)
    if missing:
        raise ConfigurationError("production needs these settings: " + ", ".join(missing))
    if production:
        _refuse_weak_production(values)
    return values


MIN_SECRET_KEY_BYTES = 32
MIN_BALE_SECRET_CHARS = 32
# What Telegram's setWebhook accepts as `secret_token` (1-256 of these), at our minimum length.
BALE_SECRET_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_BALE_SECRET_CHARS},256}}")


def _refuse_weak_production(values: dict[str, Any]) -> None:
    """What production may not run without: cookies only over HTTPS, Redis (without it every limit
    counts per process, so N processes allow N times as much), a signing key that cannot be guessed,
    and a Bale webhook secret (the webhook's only credential) that cannot be either."""
    problems = []
    if not values["session_cookie_secure"]:
        problems.append(
            f"{OPTIONS_BY_NAME['session_cookie_secure'].env} must be true (cookies over HTTPS only)"
        )
    if not values["redis_url"]:
        problems.append(f"{OPTIONS_BY_NAME['redis_url'].env} is required (limits shared by every process)")
    if len(values["secret_key"].encode()) < MIN_SECRET_KEY_BYTES:
        problems.append(f"{OPTIONS_BY_NAME['secret_key'].env} must be at least {MIN_SECRET_KEY_BYTES} bytes")
    bale_secret = values["bale_webhook_secret"]
    if (bale_secret or values["bale_bot_token"]) and not BALE_SECRET_PATTERN.fullmatch(bale_secret):
        name = OPTIONS_BY_NAME["bale_webhook_secret"].env
        problems.append(
            f"{name} must be at least {MIN_BALE_SECRET_CHARS} characters, only A-Z a-z 0-9 _ - "
            "(what setWebhook's secret_token allows)"
        )
    if problems:
        raise ConfigurationError("production refuses to start: " + "; ".join(problems))


def _embedded_secret(var: Path) -> str:
    """The demo keeps one random key in var/ so sign-ins survive a restart; never used in production."""
    path = var / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _fill_embedded_sign_in(values: dict[str, Any], var: Path) -> None:
    """Officials' one sign-in works in the demo with nothing set: the feedback app's secret at the
    portal follows from the secret key both apps share, and the portal keeps its key in var/."""
    if not values["oidc_client_secret"]:
        values["oidc_client_secret"] = hmac.new(
            values["secret_key"].encode(), b"govcloud-feedback-oidc-client", hashlib.sha256
        ).hexdigest()
    if not values["oidc_signing_key"]:
        values["oidc_signing_key"] = _embedded_signing_key(var)


def _embedded_signing_key(var: Path) -> str:
    """The demo portal's ID-token key, kept in var/ beside the secret key; never used in production."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    path = var / "oidc_signing_key.pem"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        var.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        draft = var / f".oidc_signing_key.{os.getpid()}"
        draft.write_text(pem)
        draft.chmod(0o600)
        try:  # whole or not at all: the portal's processes start at once, the first key wins
            os.link(draft, path)
        except FileExistsError:
            pem = path.read_text()
        finally:
            draft.unlink()
        return pem.strip()
