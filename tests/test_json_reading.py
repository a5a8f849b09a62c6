"""The web's JSON reader (web.errors.parse_json) reads with orjson when orjson reads a text
as the standard library does, and with the standard library otherwise: over a corpus of
generated documents (nested objects and lists, text with escapes and every plane, whole
numbers up to 40 digits, floats at their limits, whitespace) the value and every number's
type are the standard library's, and each kind of refusal keeps its sentence."""

from __future__ import annotations

import json
import random

import pytest

from web.errors import MAX_DEPTH, BadRequest, parse_json

EDGE_NUMBERS = [0, -0.0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, 10**18, 10**19 - 1,
                10**19, 10**39, -(10**39), 1.5, 1e308, -1e308, 5e-324, 2.2250738585072014e-308, 0.1, 1 / 3,
                123456789.123456789, 1e-7, 1e21, 1e22, 9007199254740993.0]
TEXTS = ["", "a", "é", "日本", "😀", "a\"b", "back\\slash", "line\nbreak", "\t", "\u2028", "\x00", "\x7f",
         "𝄞 music", "mixed 😀 é \" \\"]


def value(rng: random.Random, depth: int = 0):
    kind = rng.random()
    if depth > 6 or kind < 0.35:
        return rng.choice(EDGE_NUMBERS) if rng.random() < 0.5 else rng.uniform(-1e6, 1e6)
    if kind < 0.55:
        return rng.choice(TEXTS) + str(rng.randint(0, 99))
    if kind < 0.65:
        return rng.choice([True, False, None])
    if kind < 0.82:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {rng.choice(TEXTS) + str(i): value(rng, depth + 1) for i in range(rng.randint(0, 5))}


def same(a, b) -> bool:
    """Equal, with the same type at every place (1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and str(a) == str(b)  # -0.0 stays -0.0
    return a == b


def test_a_corpus_of_documents_reads_as_the_standard_library_reads_it():
    rng = random.Random(20261204)
    for i in range(600):
        doc = {"records": [value(rng) for _ in range(rng.randint(1, 8))], "n": i}
        for raw in (json.dumps(doc).encode(), json.dumps(doc, ensure_ascii=False).encode(),
                    json.dumps(doc, indent=rng.choice([None, 1, "\t"]), separators=rng.choice([None, (",", ":")]))
                    .encode()):
            expected = json.loads(raw)
            assert same(parse_json(raw), expected), raw[:300]


@pytest.mark.parametrize("literal", ["1e-400", "-1e-400", "2.5e-320", "1.7976931348623157e308", "1E+300", "4.9e-324",
                                     "1e-0400", "0.0000000000000000000000001", "12345678901234567890.5", "-0",
                                     "-0.0", "1.0e+1", "18446744073709551616", "-9223372036854775809",
                                     "9223372036854775807", "1" + "0" * 39])
def test_numbers_json_does_not_write_read_as_the_standard_library_reads_them(literal):
    raw = f'{{"a": [{literal}, {{"b": {literal}}}]}}'.encode()
    assert same(parse_json(raw), json.loads(raw))


@pytest.mark.parametrize("raw, sentence", [
    (b'{"a": NaN}', "The request body contains NaN, which is not a number in JSON."),
    (b'{"a": -Infinity}', "The request body contains -Infinity, which is not a number in JSON."),
    (b'{"a": 1e400}', "The request body contains a number too large for a float."),
    (b'{"a": ' + b"9" * 41 + b"}", "The request body contains a number with more than 40 digits."),
    (b'{"a": 1} x', "The request body is not valid JSON (line 1, column 10: Extra data)."),
    (b'{"a": }', "The request body is not valid JSON (line 1, column 7: Expecting value)."),
    (b'{"a": "\xff"}', "The request body is not UTF-8 text."),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"The request body is nested more than {MAX_DEPTH} levels deep."),
    (b"   ", "The request body is empty: it should hold a JSON object."),
    (b"[1, 2]", "The request body must be a JSON object."),
])
def test_each_refusal_keeps_its_sentence(raw, sentence):
    with pytest.raises(BadRequest) as info:
        parse_json(raw)
    assert info.value.detail == sentence


def test_a_lone_surrogate_is_refused_and_a_pair_is_read():
    with pytest.raises(BadRequest) as info:
        parse_json(b'{"name": "a\\ud800"}')
    assert "surrogate" in info.value.detail or "not text" in info.value.detail, info.value.detail
    assert parse_json(b'{"name": "\\ud83d\\ude00"}') == {"name": "😀"}
