"""One error policy for every route: a refusal is a 4xx whose detail is a sentence a person
understands; never a 500 for bad input, never library text.

- Under /api (or when the client asks for JSON): {"detail": sentence, ...}.
- An htmx request: a small HTML fragment with the sentence.
- A page: an HTML page with the sentence and a way back.

Request bodies are parsed strictly here too: NaN and Infinity (not JSON, and refused by
the database later), numbers over 40 digits, nesting deeper than 200 levels and lone
surrogate escapes ("\\ud800", which Python parses but no UTF-8 text, SQLite included, can
hold) are refused up front with a sentence.
"""

from __future__ import annotations

import json
import logging
import sqlite3

import orjson
from fasthtml.common import A, Div, P, to_xml
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

log = logging.getLogger("playground.web")
MAX_DEPTH = 200
MAX_DIGITS = 40


class BadRequest(ValueError):
    """A request that cannot be understood; the message is a sentence."""

    def __init__(self, detail: str, status: int = 400):
        super().__init__(detail)
        self.detail, self.status = detail, status


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def error_response(request: Request, status: int, detail: str, **extra) -> Response:
    if wants_json(request):
        return JSONResponse({"detail": detail, **extra}, status_code=status)
    fragment = Div(P(detail, cls="notice error error-detail", role="alert"))
    if request.headers.get("hx-request"):
        return HTMLResponse(to_xml(fragment), status_code=status)
    from components.layout import Page

    page = Page("Something is not right", Div(fragment, P(A("Back to your workflows", href="/workflows")),
                                               cls="page"))
    return HTMLResponse(to_xml(page), status_code=status)


def sentence(text: str) -> str:
    text = " ".join(str(text).split()) or "The request cannot be handled."
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else text + "."


def framework_detail(request: Request, exc: HTTPException) -> str:
    """The framework's own refusals (no route, wrong method, a body it cannot parse) in
    the app's words."""
    detail, path = str(exc.detail), request.url.path
    if exc.status_code == 404:
        return f"Nothing at {path}."
    if exc.status_code == 405:
        return f"{request.method} is not allowed on {path}."
    if detail.startswith("Invalid form-data"):
        return f"The form data cannot be read ({detail.split(':', 1)[-1].strip() or 'malformed'})."
    return {"Invalid JSON body": "The request body is not valid JSON.",
            "JSON body must be an object": "The request body must be a JSON object."}.get(detail, sentence(detail))


# digits, exponents and signs reduced to one shape each, so that a byte search (C speed, on
# ~1 MB of records) finds a long run of digits or a 3-digit exponent
_NUMBER_SHAPES = bytes.maketrans(b"123456789E+", b"000000000e-")
_RISKY_SHAPES = (b"0" * (MAX_DIGITS + 1), b"e000", b"e-000")
# what orjson would read otherwise than the standard library: a whole number past 64 bits
# (19 digits on) becomes a float there, an exact int here (3-digit exponents read the same,
# and one past a float's range it refuses, as parse_json does)
_SLOW_SHAPES = (b"0" * 19,)


def _has_shape(raw: bytes, shapes: tuple) -> bool:
    shaped = raw.translate(_NUMBER_SHAPES)
    return any(shape in shaped for shape in shapes)


def _risky_numbers(raw: bytes) -> bool:
    return _has_shape(raw, _RISKY_SHAPES)


_UNREAD = object()


def _orjson(raw: bytes):
    """orjson's reading (5x faster: 1,000 predict records in 1.6 ms, not 11). It refuses
    what parse_json refuses (text that is not UTF-8, NaN, Infinity, a lone surrogate,
    trailing text, nothing at all); then _UNREAD, and the standard library's reading says
    what is wrong in its words."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _UNREAD


def _fast(raw: bytes):
    """orjson's reading when it reads the text as the standard library does: no run of 19
    digits or more."""
    return _UNREAD if _has_shape(raw, _SLOW_SHAPES) else _orjson(raw)


def parse_json(raw: bytes, kind=dict, what: str = "The request body", flat_values: bool = False):
    """Strict JSON: UTF-8, no NaN/Infinity, bounded numbers and depth. `what` names the
    text in the sentences ("The file" for an imported one). `flat_values`: the caller
    refuses any nested value itself and takes every number as a number for a model (the
    predict route's records: numbers, text, true/false and null), so a text orjson reads
    is taken as orjson reads it, with no check before: no depth check (orjson stops at
    1,024 levels without recursing in Python, and what it reads goes no further than the
    caller's check), no digit count (orjson reads a long number in linear time, and a whole
    number past 64 bits as the nearest float, the value a model's float column holds). A
    text it refuses is read as any other, for the sentence."""
    if flat_values:
        body = _orjson(raw)
        if body is not _UNREAD:
            return _of_kind(body, kind, what)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"{what} is not UTF-8 text.") from None
    if not text.strip():
        raise BadRequest(f"{what} is empty: it should hold a JSON object.")
    check_depth(text, what)

    def no_constant(name):
        raise BadRequest(f"{what} contains {name}, which is not a number in JSON.")

    def bounded_int(digits: str):
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise BadRequest(f"{what} contains a number with more than {MAX_DIGITS} digits.")
        return int(digits)

    def finite_float(text: str):
        value = float(text)
        if value in (float("inf"), float("-inf")):
            raise BadRequest(f"{what} contains a number too large for a float.")
        return value

    body = _UNREAD if flat_values else _fast(raw)  # (with flat_values orjson has already said no)
    if body is not _UNREAD:
        return _of_kind(body, kind, what)
    # the number checks run per number in Python; only a text with a long run of digits or a
    # 3-digit exponent can hold a number they refuse, so any other is parsed without them
    numbers = dict(parse_int=bounded_int, parse_float=finite_float) if _risky_numbers(raw) else {}
    try:
        body = json.loads(text, parse_constant=no_constant, **numbers)
    except json.JSONDecodeError as e:
        raise BadRequest(f"{what} is not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}).") from None
    except RecursionError:
        raise BadRequest(f"{what} is nested more than {MAX_DEPTH} levels deep.") from None
    _of_kind(body, kind, what)
    if "\\u" in text:  # a surrogate can only come from an escape: the text itself is UTF-8
        check_text(body, what)
    return body


def check_text(value, what: str = "The request body") -> None:
    """Every string of a parsed body (keys too) is text: a lone surrogate escape
    ("\\ud800" without its pair) parses in Python but cannot be written as UTF-8."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as e:
                code = f"\\u{ord(item[e.start]):04x}"
                raise BadRequest(f"{what} contains a lone surrogate escape ({code} without the other half of "
                                 "its pair), which is not text: send the character itself, or both halves.") from None


_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')  # what translate() deletes


def _of_kind(body, kind, what: str):
    if not isinstance(body, kind):
        raise BadRequest(f"{what} must be a JSON {'object' if kind is dict else 'list'}.")
    return body


def check_depth(text: str, what: str = "The request body") -> None:
    """Refuse deep nesting before the parser recurses into it (strings are skipped). Done in
    C-speed steps, not a Python step per character (a body of 1,000 records is ~1 MB): the
    escapes are dropped (`\\\\` first, then `\\"`), every byte but brackets and quotes is
    deleted, the quoted parts left out (an unterminated string runs to the end), and only
    the brackets are walked. On valid JSON this is the verdict of a walk that tracks
    strings; on invalid JSON it can differ only after a backslash outside a string, where
    a parser stops before any nesting that follows."""
    if "\\" in text:
        text = text.replace("\\\\", "").replace('\\"', "")
    structure = text.encode("utf-8", "surrogatepass").translate(None, _NOT_STRUCTURE)
    # a string with no bracket in it is "" by now: those go in one pass (1,000 records: 62,000
    # pieces were split and joined); a bracket inside a string leaves a quote, and the split
    brackets = structure.replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(structure.split(b'"')[0::2])
    if len(brackets) <= MAX_DEPTH:
        return
    depth = 0
    for ch in brackets:
        if ch in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise BadRequest(f"{what} is nested more than {MAX_DEPTH} levels deep.")
        else:
            depth -= 1


def install(app, domain_errors: dict, low_level=None) -> None:
    """Register the handlers. `domain_errors` maps exception classes to (status, detail,
    extra) extractors, e.g. {Invalid: lambda e: (e.status, e.detail, {"errors": ...})}.
    `low_level(exc)` may say what an OSError or a database error means for a person
    ((status, detail, extra): a full disk, say); when it returns None the error is a 500."""

    async def on_bad_request(request, exc: BadRequest):
        return error_response(request, exc.status, exc.detail)

    async def on_http(request, exc: HTTPException):
        if exc.status_code == 400 and str(exc.detail) == "Invalid JSON body":
            # the framework read the body first and kept no position: read again by the app's own
            # reader, the sentence says where (the editor's import and the CLI said it; the API did not)
            try:
                parse_json(await request.body())
            except BadRequest as e:
                return error_response(request, e.status, e.detail)
        return error_response(request, exc.status_code, framework_detail(request, exc))

    async def on_unexpected(request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "Something went wrong on the server; the error was logged.")

    def handler(extract):
        async def on_domain(request, exc):
            status, detail, extra = extract(exc)
            return error_response(request, status, detail, **extra)
        return on_domain

    async def on_low_level(request, exc: Exception):
        answer = low_level(exc) if low_level is not None else None
        if answer is None:
            raise exc  # to the 500 handler, logged
        status, detail, extra = answer
        log.warning("%s %s: %s", request.method, request.url.path, detail)
        return error_response(request, status, detail, **extra)

    app.add_exception_handler(BadRequest, on_bad_request)
    for cls in (OSError, sqlite3.Error):
        app.add_exception_handler(cls, on_low_level)
    for code in (400, 404, 405, 413, 415):
        app.add_exception_handler(code, on_http)
    app.add_exception_handler(HTTPException, on_http)
    for cls, extract in domain_errors.items():
        app.add_exception_handler(cls, handler(extract))
    app.add_exception_handler(Exception, on_unexpected)
