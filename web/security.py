"""What keeps a local app safe while its user browses the web.

Any page the user visits can make the browser send "simple" requests (form posts,
`text/plain` bodies, body-less POSTs) to 127.0.0.1, and a rebinding domain can point its
own name at 127.0.0.1 and read the answers. This ASGI middleware refuses both, as Jupyter
Server and Django do:

- Host: only the names in the allow-list are served (loopback by default), so a rebinding
  domain gets a 400, never a page.
- A token, once other machines can reach the app (web/auth.py): without it, a 401 for the
  API, the login page for a browser; nothing else is served but our static files and a
  health answer that says nothing private.
- Unsafe methods (POST, PUT, PATCH, DELETE) from another origin are refused with a 403: a
  browser says where a request comes from. `Sec-Fetch-Site: same-origin` is its word for
  it (as Go's CrossOriginProtection takes it), and then the scheme a proxy terminated TLS
  with does not matter; a browser that sends no Sec-Fetch-Site has its `Origin` compared
  with ours, whose scheme and host a trusted proxy may say (`Forwarded`, or
  `X-Forwarded-Proto` / `X-Forwarded-Host`, from PLAYGROUND_TRUSTED_PROXIES only).
- Forms: the editor's htmx requests and its own forms carry a CSRF token (a header, or a
  `csrf_token` field for plain forms, urlencoded or multipart: the Workflows page's import
  sends a file), required on every unsafe request to the UI routes. Streamed uploads (the
  dataset routes) are not read here: they must send the header.
  API clients without a browser (scripts, the CLI) send no Origin and need no token.
- A deployment's predict endpoint with a Bearer key is let through without a session: the
  route checks the key (`keyed`), and takes no cookie.
- JSON routes take only `application/json` (and the predict endpoint `text/csv`), which a
  page on another origin cannot send without a CORS preflight that this server never grants.
- Bodies are bounded: a request over the limit gets a 413 with the limit in its sentence.
- Every response carries a content security policy (our own origin only), nosniff,
  frame-ancestors none / X-Frame-Options DENY, and a same-origin referrer policy.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Iterable
from urllib.parse import parse_qs, quote

from python_multipart.multipart import MultipartParser, parse_options_header

from components.layout import CSRF_TOKEN, SIGN_OUT
from plugins.params import quoted
from web.auth import Sessions, is_open, networks
from web.errors import BadRequest, check_depth

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
           (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
           (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin")]
LOOPBACK = ("localhost", "127.0.0.1", "::1")


def csrf_token(secret: str) -> str:
    """One token per install, derived from the session secret: pages on other origins can
    neither read it (same-origin policy) nor guess it."""
    return hmac.new(secret.encode(), b"playground-csrf-v1", hashlib.sha256).hexdigest()[:40]


_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")  # a DNS name or an IPv4 address
_IPV6 = re.compile(r"[0-9a-f:.]+(%[a-z0-9_.-]+)?")


def host_name(host_header: str) -> str | None:
    """The name in a Host header, parsed strictly (RFC 9110: a name or an address, then an
    optional port of digits): `example.com:5001` -> `example.com`, `[::1]:5001` -> `::1`.
    None for anything else, which is refused: a port that is not a number
    (`127.0.0.1:evil.example`, which a split at the last colon read as 127.0.0.1), an open
    bracket, a bare IPv6 address, spaces or a user part."""
    host = host_header.lower()
    if host.startswith("["):
        name, bracket, port = host[1:].partition("]")
        if not bracket or not _IPV6.fullmatch(name) or ":" not in name:
            return None
    else:
        name, colon, port = host.partition(":")
        port = colon + port
        if not _NAME.fullmatch(name):
            return None
    if port and not (port.startswith(":") and port[1:].isdigit() and len(port) <= 6):
        return None
    return name if host.startswith("[") else name.rstrip(".")  # "localhost." is localhost


KEYED = re.compile(r"/api/v1/deployments/[^/]+/predict")


def keyed(path: str, method: str, headers: dict) -> bool:
    """A deployment's predict endpoint called with a Bearer key: it checks the key itself (a
    deployment key from POST /api/v1/keys, not the app's token), so no session is asked for.
    The other rules (host, origin, JSON, size) still apply."""
    return method == "POST" and KEYED.fullmatch(path) is not None and \
        headers.get("authorization", "").lower().startswith("bearer ")


class SecurityMiddleware:
    def __init__(self, app, *, allowed_hosts: Iterable[str], token: str, max_body_bytes: int,
                 max_upload_bytes: int, upload_paths: Iterable[str] = ("/api/v1/datasets", "/ui/datasets"),
                 sessions: Sessions | None = None, trusted_proxies: Iterable[str] = ()):
        self.app = app
        self.allowed = {h.strip().lower().strip("[]") for h in allowed_hosts if h.strip()}
        self.any_host = "*" in self.allowed
        self.token = token
        self.max_body, self.max_upload = max_body_bytes, max_upload_bytes
        self.upload_paths = tuple(upload_paths)
        self.sessions = sessions  # None: no token needed (loopback)
        self.proxies = networks(trusted_proxies)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path, method = scope["path"], scope["method"].upper()
        api = path.startswith("/api/")

        async def refuse(status: int, sentence: str):
            await self._refuse(send, status, sentence, api)

        # one Host header, parsed strictly: with two, which one a proxy, the framework and
        # this check would each read is anyone's guess
        hosts = [v.decode("latin-1") for k, v in scope["headers"] if k.lower() == b"host"]
        if len(hosts) > 1:
            return await refuse(400, f"This request has {len(hosts)} Host headers; send one.")
        forwarded = self._forwarded(scope, headers)  # what a trusted proxy says the browser asked for
        host_header, which = (forwarded["host"], "forwarded host") if "host" in forwarded else \
            (hosts[0] if hosts else "", "Host header")
        host = host_name(host_header) if host_header else ""
        if host is None:
            return await refuse(400, f"The {which} {quoted(host_header)} is not a host name with an optional port "
                                     "number.")
        if not self.any_host and host not in self.allowed:
            names = ", ".join(sorted(self.allowed))
            return await refuse(400, f"This server answers only to {names}; {quoted(host) if host else 'no host'} is "
                                     "not one of them. Set PLAYGROUND_ALLOWED_HOSTS to add a name.")
        scheme = forwarded.get("proto") or scope.get("scheme", "http")
        state = scope.setdefault("state", {})
        state["scheme"], state["signed_in"] = scheme, True
        if self.sessions is not None and keyed(path, method, headers):
            state["signed_in"] = False  # the route checks its own key; nothing of the editor's is given
        elif self.sessions is not None:
            shown = self.sessions.signed_in(headers, headers.get("cookie", ""))
            if shown is not True and not is_open(path):
                return await self._ask_for_token(send, scope, headers, api, wrong=shown is False)
            state["signed_in"] = shown is True
        # the page's CSRF token only for those let in: the login page shows no token
        token = CSRF_TOKEN.set(self.token if state["signed_in"] else "")
        sign_out = SIGN_OUT.set(self.sessions is not None and state["signed_in"])
        try:
            if method not in SAFE_METHODS:
                problem, receive = await self._check_write(headers, path, api, scheme, host_header, receive)
                if problem:
                    return await refuse(*problem)
            await self.app(scope, receive, self._with_headers(send))
        except BodyTooLarge as e:
            await refuse(413, str(e))
        finally:
            CSRF_TOKEN.reset(token)
            SIGN_OUT.reset(sign_out)

    async def _check_write(self, headers, path: str, api: bool, scheme: str, host_header: str, receive):
        """A request that may change something: from this site, within its size limit, JSON
        for the API (not nested too deep), with the page's token for the UI. (status,
        sentence) when refused, and the `receive` the route reads the body from."""
        problem = self._cross_site(headers, scheme, host_header)
        if problem:
            return (403, problem), receive
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        upload = path.startswith(self.upload_paths)
        limit = self.max_upload if upload else self.max_body
        variable = "PLAYGROUND_MAX_UPLOAD_MB" if upload else "PLAYGROUND_MAX_BODY_MB"
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            return (413, f"The request body is {int(length) / 2**20:.1f} MB; the limit is "
                         f"{limit / 2**20:.0f} MB ({variable})."), receive
        receive = self._bounded(receive, limit, variable)
        if (api and content_type and content_type != "application/json" and not upload and not KEYED.fullmatch(path)
                and length != "0"):
            # the predict endpoint takes CSV rows too, and refuses other types itself, in its log; an
            # empty body is no form whatever its type (Python's urllib names one for b"": found by a new user)
            return (415, f"Send JSON (Content-Type: application/json), not {content_type}."), receive
        if content_type == "application/json" and not KEYED.fullmatch(path):
            # the framework parses JSON bodies before any route sees them: refuse deep
            # nesting here, before a parser recurses into it (the predict route is a plain
            # one that reads its body itself, with parse_json, which checks the same)
            body, receive = await self._read_body(receive)
            try:
                check_depth(body.decode("utf-8", "replace"))
            except BadRequest as e:
                return (400, e.detail), receive
        if not api and path != "/login":  # the login form is all a stranger sees: it has no token
            return await self._check_form_token(headers, content_type, upload, receive)
        return None, receive

    async def _check_form_token(self, headers, content_type: str, upload: bool, receive):
        sent = headers.get("x-csrf-token", "")
        plain_form = content_type == "application/x-www-form-urlencoded" or (
            content_type == "multipart/form-data" and not upload)
        if not sent and plain_form:  # a body within max_body: read, then replayed to the route
            body, receive = await self._read_body(receive)
            sent = form_token(body, headers.get("content-type", ""))
        if not hmac.compare_digest(sent, self.token):
            return (403, "This request lacks the page's security token, so it changes nothing. Reload the page "
                         "and try again."), receive
        return None, receive

    def _cross_site(self, headers, scheme: str, host_header: str) -> str | None:
        site = headers.get("sec-fetch-site")
        if site is not None:  # the browser's own word, which no page can forge
            return None if site in ("same-origin", "none") else "Requests from other sites cannot change anything here."
        origin = headers.get("origin")
        if origin is not None and origin.lower() != f"{scheme}://{host_header.lower()}":
            return "Requests from other sites cannot change anything here."
        return None

    def _forwarded(self, scope, headers) -> dict:
        """The scheme and host a trusted proxy (PLAYGROUND_TRUSTED_PROXIES) says the browser
        used: RFC 7239's `Forwarded`, else `X-Forwarded-Proto` / `X-Forwarded-Host`; of
        several values, the last (the one the proxy next to us added). {} for anyone else."""
        if not self.proxies:
            return {}
        try:
            peer = ipaddress.ip_address((scope.get("client") or ("",))[0])
        except ValueError:
            return {}
        if not any(peer in network for network in self.proxies):
            return {}
        out = {}
        if headers.get("forwarded"):
            for pair in headers["forwarded"].split(",")[-1].split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() in ("proto", "host") and value:
                    out[key.lower()] = value.strip().strip('"')
        else:
            for key in ("proto", "host"):
                value = headers.get(f"x-forwarded-{key}", "").split(",")[-1].strip()
                if value:
                    out[key] = value
        if "proto" in out:
            out["proto"] = out["proto"].lower()
            if out["proto"] not in ("http", "https"):
                del out["proto"]
        return out

    async def _ask_for_token(self, send, scope, headers, api: bool, wrong: bool) -> None:
        """No token shown: the API says how to send it (401, WWW-Authenticate: Bearer); a
        browser's page goes to the login page and comes back afterwards; htmx is told to go
        there (HX-Redirect)."""
        here = scope["path"] + (("?" + scope["query_string"].decode("latin-1")) if scope.get("query_string") else "")
        login = "/login?next=" + quote(here, safe="/")
        extra = []
        if api:
            sentence = ("The token sent (Authorization: Bearer) is not this server's token." if wrong else
                        "This server needs its token: send it as 'Authorization: Bearer <token>' (it was printed when "
                        "the server started, or is PLAYGROUND_TOKEN).")
            extra = [(b"www-authenticate", b'Bearer realm="AutoML Playground"')]
            status = 401
        elif scope["method"] in ("GET", "HEAD") and not headers.get("hx-request"):
            sentence, status, extra = "Sign in first.", 303, [(b"location", login.encode())]
        else:
            sentence = ("Sign in first: open the link printed when the server started, or the login page, then try "
                        "again.")
            status = 401
            if headers.get("hx-request"):
                page = headers.get("hx-current-url", "")
                page = "/" + page.split("://", 1)[-1].partition("/")[2] if "://" in page else scope["path"]
                extra = [(b"hx-redirect", ("/login?next=" + quote(page, safe="/")).encode())]
        if api:
            body, ctype = json.dumps({"detail": sentence}).encode(), b"application/json"
        else:
            body, ctype = sentence.encode(), b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *extra,
                                (b"cache-control", b"no-store"), *HEADERS]})
        await send({"type": "http.response.body", "body": body})

    def _bounded(self, receive, limit, variable):
        seen = 0

        async def bounded():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(f"The request body is over the limit of {limit / 2**20:.0f} MB ({variable}).")
            return message
        return bounded

    async def _read_body(self, receive):
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()
        return body, replay

    def _with_headers(self, send):
        async def wrapped(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in present]
            await send(message)
        return wrapped

    async def _refuse(self, send, status: int, sentence: str, api: bool):
        if api:
            body, ctype = json.dumps({"detail": sentence}).encode(), b"application/json"
        else:
            body, ctype = sentence.encode(), b"text/plain; charset=utf-8"
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", ctype), (b"content-length", str(len(body)).encode()), *HEADERS]})
        await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


def form_token(body: bytes, content_type: str) -> str:
    """The `csrf_token` field of a plain form's body, urlencoded or multipart; "" when it
    has none or cannot be read (the route then gets a 403, never a parser's error)."""
    ctype, params = parse_options_header(content_type)
    if ctype == b"application/x-www-form-urlencoded":
        return (parse_qs(body.decode("latin-1")).get("csrf_token") or [""])[0]
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        return ""
    part = {"headers": {}, "field": b"", "value": b"", "ours": False}
    found = bytearray()

    def on_header_field(data, start, end):
        part["field"] += data[start:end]

    def on_header_value(data, start, end):
        part["value"] += data[start:end]

    def on_header_end():
        part["headers"][part["field"].lower()] = part["value"]
        part["field"], part["value"] = b"", b""

    def on_headers_finished():
        _, disposition = parse_options_header(part["headers"].get(b"content-disposition", b""))
        part["ours"] = disposition.get(b"name") == b"csrf_token" and b"filename" not in disposition and not found

    def on_part_data(data, start, end):
        if part["ours"] and len(found) < 256:  # a token is 40 characters
            found.extend(data[start:end])

    def on_part_end():
        part["headers"], part["ours"] = {}, False

    parser = MultipartParser(params[b"boundary"], callbacks={
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end})
    try:
        parser.write(body)
        parser.finalize()
    except Exception:  # malformed multipart: no token
        return ""
    return found.decode("latin-1")
