"""One HTTP probe of an agency's service, made so the prober cannot become a way into our own network.

- Only `http` and `https`. The host is resolved once; if any of its addresses is refused the probe
  is refused (a name with one public and one private record cannot pick the private one later),
  otherwise the connection is pinned to the first address: nothing resolves the name again, so a
  DNS answer that changes between the check and the connection cannot redirect it (rebinding).
- Refused: every address that is not globally routable (loopback, link-local, private, shared,
  reserved, multicast, unspecified; IPv4-mapped IPv6 is checked as its IPv4), unless it lies in an
  allow-listed network (government intranets are private ranges: `GOVCLOUD_PROBE_ALLOWED_NETWORKS`).
  Cloud metadata addresses are refused even when allow-listed.
- TLS is verified against the system store or a configured CA bundle, with SNI and the certificate
  checked against the URL's host name (not the pinned address).
- Redirects are followed by hand, at most `max_redirects`, and every hop is resolved and checked again.
- A connect timeout and a total deadline over the whole chain; at most `max_body_bytes` are read.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
    SSLError,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class ErrorClass:
    """Why a probe counted as down; stored with the row and shown to the agency."""

    BAD_URL = "bad_url"
    DNS = "dns"
    REFUSED_ADDRESS = "refused_address"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TLS = "tls"
    PROTOCOL = "protocol"
    STATUS = "status"
    TEXT = "text_missing"
    OPENAPI = "openapi_invalid"
    REDIRECTS = "too_many_redirects"


@dataclasses.dataclass(frozen=True)
class ProbeConfig:
    """How every probe of a deployment is made (from settings; see `config_from_settings`)."""

    connect_timeout: float = 5.0
    total_timeout: float = 15.0
    max_redirects: int = 3
    max_body_bytes: int = 1_048_576
    allowed_networks: tuple[IPNetwork, ...] = ()
    ca_bundle: str = ""  # empty: the system store
    user_agent: str = "govcloud-prober/1 (+https://cloud.gov.ir/probes)"


@dataclasses.dataclass(frozen=True)
class ProbeSpec:
    """What to probe and what counts as an answer."""

    url: str
    expect_status_class: int = 2
    expect_text: str = ""
    expect_openapi: bool = False


@dataclasses.dataclass(frozen=True)
class ProbeOutcome:
    up: bool
    latency_ms: int
    status_code: int | None = None
    error_class: str = ""
    error_detail: str = ""
    address: str = ""


class ProbeError(Exception):
    def __init__(self, error_class: str, detail: str, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.error_class = error_class
        self.detail = detail
        self.status_code = status_code
        self.address = ""


Resolver = Callable[[str, int], Sequence[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """Every address of `host` (the system's resolver, once)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # an IPv6 zone id is never part of the address
        if address not in addresses:
            addresses.append(address)
    return addresses


def parse_networks(raw: str) -> tuple[IPNetwork, ...]:
    """`10.0.0.0/8, 192.168.1.5` → networks (a bare address is its own /32 or /128)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())


def refusal(address: IPAddress, allowed: Sequence[IPNetwork]) -> str | None:
    """Why the prober may not connect to `address`, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_global and not address.is_multicast:
        return None
    if any(address.version == network.version and address in network for network in allowed):
        return None
    for label, flag in (
        ("a loopback address", address.is_loopback),
        ("a link-local address", address.is_link_local),
        ("a private address", address.is_private),
        ("a multicast address", address.is_multicast),
        ("an unspecified address", address.is_unspecified),
    ):
        if flag:
            return label
    return "an address that is not public"


def _pinned_address(host: str, port: int, config: ProbeConfig, resolver: Resolver) -> str:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
        addresses = [str(literal)]
    except ValueError:
        try:
            addresses = list(resolver(host, port))
        except (OSError, UnicodeError) as exc:
            raise ProbeError(ErrorClass.DNS, f"{host}: {exc}") from None
    if not addresses:
        raise ProbeError(ErrorClass.DNS, f"{host}: no address")
    for address in addresses:
        why = refusal(ipaddress.ip_address(address), config.allowed_networks)
        if why:
            raise ProbeError(ErrorClass.REFUSED_ADDRESS, f"{host} resolves to {address}, {why}")
    return addresses[0]


def _ssl_context(config: ProbeConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=config.ca_bundle or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ProbeError(ErrorClass.TIMEOUT, "no answer within the total timeout")
    return left


@dataclasses.dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        header = self.host if ":" not in self.host else f"[{self.host}]"
        return header if self.port == (443 if self.scheme == "https" else 80) else f"{header}:{self.port}"


def _parse(url: str) -> _Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"} or not parts.hostname:
        raise ProbeError(ErrorClass.BAD_URL, f"not an http(s) URL: {url[:200]}")
    if parts.username or parts.password:
        raise ProbeError(ErrorClass.BAD_URL, "credentials in the URL are not sent")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise ProbeError(ErrorClass.BAD_URL, f"bad port in {url[:200]}") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(scheme, parts.hostname, port, path)


def _fetch_once(
    url: str, config: ProbeConfig, resolver: Resolver, deadline: float
) -> tuple[int, dict, bytes, str]:
    """One GET pinned to one checked address: (status, headers, body, address)."""
    parsed = _parse(url)
    scheme, host, port, target = parsed.scheme, parsed.host, parsed.port, parsed.path
    address = _pinned_address(host, port, config, resolver)
    remaining = _remaining(deadline)
    timeout = urllib3.Timeout(connect=min(config.connect_timeout, remaining), read=remaining)
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address,
            port=port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            ssl_context=_ssl_context(config),
            server_hostname=host,
            assert_hostname=host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port=port, timeout=timeout, retries=False, maxsize=1)
    headers = {
        "Host": parsed.host_header,
        "User-Agent": config.user_agent,
        "Accept": "*/*",
        "Connection": "close",
    }
    try:
        response = pool.urlopen(
            "GET",
            target,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            body = bytearray()
            for chunk in response.stream(65536):
                body.extend(chunk)
                if len(body) >= config.max_body_bytes:
                    break
                _remaining(deadline)
        finally:
            response.release_conn()
        return response.status, dict(response.headers), bytes(body[: config.max_body_bytes]), address
    except ProbeError as error:
        error.address = address
        raise
    except MaxRetryError as exc:  # retries=False still wraps some failures
        raise _classify(exc.reason or exc, address) from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _classify(exc, address) from None
    finally:
        pool.close()


def _classify(exc: BaseException, address: str) -> ProbeError:
    error = _error_of(exc)
    error.address = address
    return error


def _error_of(exc: BaseException) -> ProbeError:
    # NewConnectionError is a ConnectTimeoutError in urllib3 2: ask for it first
    if isinstance(exc, (NewConnectionError, ConnectionError)):
        return ProbeError(ErrorClass.CONNECT, _short(exc))
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError, socket.timeout)):
        return ProbeError(ErrorClass.TIMEOUT, _short(exc))
    if isinstance(exc, (SSLError, ssl.SSLError)):
        return ProbeError(ErrorClass.TLS, _short(exc))
    text = _short(exc)
    if "timed out" in text.lower():
        return ProbeError(ErrorClass.TIMEOUT, text)
    return ProbeError(ErrorClass.PROTOCOL, text)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def is_openapi_document(body: bytes) -> bool:
    """A JSON OpenAPI 3.x (or Swagger 2.0) document with its required top-level members."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(document, dict) or not isinstance(document.get("info"), dict):
        return False
    version = document.get("openapi")
    if isinstance(version, str) and version.startswith("3."):
        return isinstance(document.get("paths", {}), dict) and (
            "paths" in document or "webhooks" in document or "components" in document
        )
    return document.get("swagger") == "2.0" and isinstance(document.get("paths"), dict)


def probe(spec: ProbeSpec, config: ProbeConfig, resolver: Resolver = system_resolver) -> ProbeOutcome:
    """GET `spec.url` (following checked redirects) and judge the answer; never raises."""
    started = time.monotonic()
    deadline = started + config.total_timeout
    url = spec.url
    address = ""
    status: int | None = None

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    try:
        for hop in range(config.max_redirects + 1):
            status, headers, body, address = _fetch_once(url, config, resolver, deadline)
            location = next((v for k, v in headers.items() if k.lower() == "location"), None)
            if status in REDIRECT_STATUSES and location:
                if hop == config.max_redirects:
                    raise ProbeError(
                        ErrorClass.REDIRECTS, f"more than {config.max_redirects} redirects", status
                    )
                url = urljoin(url, location)
                continue
            break
        if status is None or status // 100 != spec.expect_status_class:
            raise ProbeError(
                ErrorClass.STATUS, f"answered {status}, expected {spec.expect_status_class}xx", status
            )
        if spec.expect_text and spec.expect_text not in body.decode("utf-8", errors="replace"):
            raise ProbeError(
                ErrorClass.TEXT, f"the answer does not contain {spec.expect_text[:80]!r}", status
            )
        if spec.expect_openapi and not is_openapi_document(body):
            raise ProbeError(ErrorClass.OPENAPI, "the answer is not a valid OpenAPI document", status)
    except ProbeError as error:
        return ProbeOutcome(
            up=False,
            latency_ms=elapsed(),
            status_code=error.status_code if error.status_code is not None else status,
            error_class=error.error_class,
            error_detail=error.detail[:300],
            address=error.address or address,
        )
    return ProbeOutcome(up=True, latency_ms=elapsed(), status_code=status, address=address)
