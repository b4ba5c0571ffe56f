"""Outbound HTTP to partners' URLs without server-side request forgery.

`check_url` parses a URL strictly (http(s) only, no user-info, a real host name or address),
resolves the host, and refuses it if any address is loopback, private, link-local, carrier-
grade NAT, multicast, unspecified or otherwise reserved — whatever the spelling: IPv4 and
IPv6 literals, IPv4-mapped IPv6, the decimal, hexadecimal and octal forms that `inet_aton`
accepts (`2130706433`, `0x7f.1`, `0177.0.0.1`), trailing dots. `post` checks again at send
time and connects to the very address it checked (so a DNS answer that changes in between
cannot redirect it), never follows redirects, uses short timeouts, and reads at most
`MAX_RESPONSE_BYTES` of the answer.

`Policy(allow_loopback=True)` admits 127.0.0.0/8 and ::1 (local development and tests);
`require_https` is on in production.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
MAX_RESPONSE_BYTES = 4096
EXCERPT_LENGTH = 200
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0

Resolver = Callable[[str, int], list[str]]


class RefusedURL(ValueError):
    """The URL may not be called: `reason` says why, in a sentence a partner can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    require_https: bool = True
    allow_loopback: bool = False


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (for the Host header and TLS server name)
    port: int
    path: str  # with its query
    address: str  # the checked address the connection goes to


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    excerpt: str  # at most EXCERPT_LENGTH characters of the body
    latency_ms: int


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


def check_url(url: str, policy: Policy, *, resolve: Resolver = system_resolver) -> Target:
    """The URL's target, every address of its host checked; else RefusedURL."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedURL(f"URLs are at most {MAX_URL_LENGTH} characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedURL("Not a valid URL.") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise RefusedURL("Only https URLs (http for local development) are allowed.")
    if scheme == "http" and policy.require_https:
        raise RefusedURL("The URL must use https.")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise RefusedURL("URLs may not carry a user name or password.")
    if any(c.isspace() or ord(c) < 0x21 for c in url) or "\\" in parts.netloc:
        raise RefusedURL("Not a valid URL.")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedURL("The URL needs a host.")
    port = port or (443 if scheme == "https" else 80)
    literal = _literal_address(host)
    addresses = [literal] if literal else _resolved(host, port, resolve)
    for address in addresses:
        _check_address(address, policy)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, addresses[0])


def _literal_address(host: str) -> str | None:
    """An address written as one, in any form: dotted, IPv6, or inet_aton's shorthands."""
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))  # 2130706433, 0x7f.1, 0177.0.0.1
    except OSError:
        pass
    last = host.rsplit(".", 1)[-1].lower()
    if last.isdigit() or last.startswith("0x"):  # numeric, but no address: no real name
        raise RefusedURL("Not a valid host.")
    return None


def _resolved(host: str, port: int, resolve: Resolver) -> list[str]:
    try:
        host.encode("idna")
    except UnicodeError:
        raise RefusedURL("Not a valid host name.") from None
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise RefusedURL(f"The host {host!r} does not resolve.") from None
    if not addresses:
        raise RefusedURL(f"The host {host!r} does not resolve.")
    return addresses


def _check_address(text: str, policy: Policy) -> None:
    address = ipaddress.ip_address(text.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
        if embedded is not None:
            _check_address(str(embedded), policy)
            return
    if address.is_loopback and policy.allow_loopback:
        return
    if not address.is_global or address.is_multicast or address.is_reserved:
        raise RefusedURL(
            f"The URL's host is a non-public address ({address}); use a public https URL."
        )


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(address.packed[-4:])
    return None


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    policy: Policy,
    *,
    resolve: Resolver = system_resolver,
) -> Answer:
    """POST `body` to `url` (checked again now), to the checked address; no redirects.
    Raises RefusedURL, or OSError (including timeouts) when no answer came."""
    target = check_url(url, policy, resolve=resolve)
    connection = _connection(target)
    started = time.perf_counter()
    try:
        connection.request(
            "POST", target.path, body=body, headers={"Host": _host_header(target), **headers}
        )
        connection.sock.settimeout(READ_TIMEOUT)
        response = connection.getresponse()
        data = response.read(MAX_RESPONSE_BYTES)
        latency = int((time.perf_counter() - started) * 1000)
        excerpt = data.decode("utf-8", "replace")[:EXCERPT_LENGTH]
        return Answer(response.status, dict(response.getheaders()), excerpt, latency)
    finally:
        connection.close()


def _connection(target: Target) -> http.client.HTTPConnection:
    address = target.address
    if target.scheme == "https":
        connection = _PinnedHTTPS(address, target.port, timeout=CONNECT_TIMEOUT)
        connection.server_name = target.host
        return connection
    return http.client.HTTPConnection(address, target.port, timeout=CONNECT_TIMEOUT)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """TLS to the checked address, verifying the certificate for the URL's host name."""

    server_name: str

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(sock, server_hostname=self.server_name)


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if target.port == default else f"{host}:{target.port}"
