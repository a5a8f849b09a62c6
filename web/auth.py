"""Who may use the app once other machines can reach it: a token, as Jupyter does it.

On loopback the app is the user's alone (web/security.py keeps other sites' pages out)
and needs no token. Listening on anything else (`--host 0.0.0.0`), every page and API call
needs the token: PLAYGROUND_TOKEN, or one generated at start and printed once with a login
link (`plan` decides, and refuses to start with a sentence when the setup is unsafe:
beyond loopback without PLAYGROUND_ALLOWED_HOSTS, with the token turned off, or with a
token too short to guess-proof). PLAYGROUND_REQUIRE_TOKEN=1 (or a PLAYGROUND_TOKEN) turns
it on for loopback too.

- A browser trades the token for a session cookie at /login (the printed
  `/login?token=…` link, or its form): HttpOnly, SameSite=Lax, Secure over https, valid
  for SESSION_DAYS and only for this install and this token (an HMAC of both, keyed by the
  session secret), so a new token signs every browser out.
- API and CLI clients send `Authorization: Bearer <token>`.
- Only a hash of the token is kept in the process; tokens are compared by their hashes in
  constant time. The access log never shows one (RedactTokens): the printed link is the
  only place it appears.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import quote

TOKEN_MIN = 16  # characters of a token chosen by hand (a generated one has 48)
SESSION_DAYS = 30
YES, NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class StartRefused(Exception):
    """The app will not start this way; the message says why and what to set."""


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the app on this machine."""
    host = host.strip().strip("[]").lower()
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class Access:
    """Whether a token is needed, its hash (all that is kept of it), and whether it was
    generated at start (else it is PLAYGROUND_TOKEN)."""

    required: bool
    hash: bytes = field(default=b"", repr=False)
    generated: bool = False

    @classmethod
    def with_token(cls, token: str) -> Access:
        return cls(required=True, hash=token_hash(token))

    @classmethod
    def open(cls) -> Access:
        return cls(required=False)


def plan(bind_host: str, environ) -> tuple[Access, str | None]:
    """How the app listening on `bind_host` lets people in, from the environment, and the
    token to print once when one was generated (the caller prints it and keeps it nowhere);
    raises StartRefused (a sentence) when that would be unsafe or cannot be followed."""
    exposed = not is_loopback(bind_host)
    where = f"{bind_host} (beyond this machine)" if exposed else bind_host
    require = (environ.get("PLAYGROUND_REQUIRE_TOKEN") or "").strip().lower()
    if require and require not in YES + NO:
        raise StartRefused(f"PLAYGROUND_REQUIRE_TOKEN is {require[:20]!r}; set it to 1 (a token is needed) or 0.")
    token = environ.get("PLAYGROUND_TOKEN")
    if exposed and not (environ.get("PLAYGROUND_ALLOWED_HOSTS") or "").strip():
        raise StartRefused(
            f"The app would listen on {where}, but PLAYGROUND_ALLOWED_HOSTS is not set, so it would answer only to "
            "localhost. Set PLAYGROUND_ALLOWED_HOSTS to the names people use to reach this machine (for example "
            f"PLAYGROUND_ALLOWED_HOSTS={socket.gethostname()}), or listen on 127.0.0.1.")
    if exposed and require in NO:
        raise StartRefused(
            f"PLAYGROUND_REQUIRE_TOKEN=0 turns the token off, which only a loopback address allows: listening on "
            f"{where}, anyone who reaches it could read, run and delete everything. Unset it (a token is generated "
            "and printed), set PLAYGROUND_TOKEN, or listen on 127.0.0.1.")
    if token is not None and len(token.strip()) < TOKEN_MIN:
        raise StartRefused(
            f"PLAYGROUND_TOKEN has {len(token.strip())} characters; a token needs at least {TOKEN_MIN}. Unset it to "
            "have one generated and printed at start, or choose a longer one.")
    if not (exposed or require in YES or (token is not None and require not in NO)):
        return Access.open(), None
    if token is not None:
        return Access(required=True, hash=token_hash(token.strip())), None
    generated = secrets.token_hex(24)
    return Access(required=True, hash=token_hash(generated), generated=True), generated


def login_urls(token: str | None, bind_host: str, port: int, allowed_hosts) -> list[str]:
    """The links printed at start: one per name the app answers to (its host name when it
    answers to any), with the token when it was generated."""
    names = [h for h in allowed_hosts if h and h != "*"]
    if not is_loopback(bind_host):
        names = [h for h in names if not is_loopback(h)] + [h for h in names if is_loopback(h)]
        if not names or all(is_loopback(h) for h in names):
            names.insert(0, bind_host if bind_host not in ("0.0.0.0", "::", "") else socket.gethostname())
    urls = []
    for name in names[:3]:
        host = f"[{name}]" if ":" in name else name
        query = f"?token={quote(token)}" if token else ""
        urls.append(f"http://{host}:{port}/login{query}")
    return urls


class Sessions:
    """The browser's side: a cookie that says this browser once showed the token."""

    def __init__(self, access: Access, secret: str):
        self.access = access
        self._key = hmac.new(secret.encode(), b"playground-session-v1", hashlib.sha256).digest()
        self.cookie = "playground-session-" + hmac.new(self._key, b"name", hashlib.sha256).hexdigest()[:8]

    def token_ok(self, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(token_hash(sent.strip()), self.access.hash)

    def _mac(self, issued: int) -> str:
        return hmac.new(self._key, self.access.hash + str(issued).encode(), hashlib.sha256).hexdigest()

    def new_value(self) -> str:
        issued = int(time.time())
        return f"{issued}.{self._mac(issued)}"

    def value_ok(self, value: str | None) -> bool:
        issued, _, mac = (value or "").partition(".")
        if not issued.isdigit() or len(issued) > 12:
            return False
        age = time.time() - int(issued)
        return -60 <= age <= SESSION_DAYS * 86400 and hmac.compare_digest(mac, self._mac(int(issued)))

    def signed_in(self, headers: dict, cookie_header: str) -> bool | None:
        """True for the token (a Bearer header) or a session cookie; False when a Bearer
        token was sent and is not this one; None when neither was shown."""
        authorization = headers.get("authorization", "")
        scheme, _, sent = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return self.token_ok(sent)
        return True if self.value_ok(cookie_value(cookie_header, self.cookie)) else None

    def set_cookie(self, response, secure: bool) -> None:
        response.set_cookie(self.cookie, self.new_value(), max_age=SESSION_DAYS * 86400, path="/", httponly=True,
                            samesite="lax", secure=secure)

    def clear_cookie(self, response, secure: bool) -> None:
        response.delete_cookie(self.cookie, path="/", httponly=True, samesite="lax", secure=secure)


def networks(values) -> list:
    """PLAYGROUND_TRUSTED_PROXIES: addresses or networks (127.0.0.1, 10.0.0.0/8, ::1);
    ValueError with a sentence for anything else."""
    out = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"PLAYGROUND_TRUSTED_PROXIES holds {value[:64]!r}, which is not an address or a network "
                             "(such as 127.0.0.1 or 10.0.0.0/8).") from None
    return out


def cookie_value(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def is_open(path: str) -> bool:
    """What anyone may ask for: the login page, our static files, and the health answer
    (which then says nothing private)."""
    return path == "/login" or path == "/api/v1/health" or path.startswith(("/static/", "/vendor/"))


def safe_next(target: str | None) -> str:
    """Where /login leads afterwards: a path on this server, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target or \
            any(ord(c) < 32 for c in target):
        return "/"
    return target


_TOKEN_IN_URL = re.compile(r"(?i)([?&]token=)[^&\s\"]*")


class RedactTokens(logging.Filter):
    """The access log shows `/login?token=…`, never the token (a logging filter for
    uvicorn's access handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_URL.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.msg, str):
            record.msg = _TOKEN_IN_URL.sub(r"\1…", record.msg)
        return True
