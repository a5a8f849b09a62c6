"""The same file uploaded again (the same bytes, under any name) is the same dataset: read the
way it was last corrected, keeping its target, renamed as the new upload names it. A helper's
audit: two uploads of one file were one dataset, a type chosen on one changed the other, and
nothing said so. The upload now says it, naming what was kept. Near misses: a first upload, and
a file one byte different (another dataset), say nothing of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

SAID = "This file was uploaded before as"


def table(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    n = 60
    return pd.DataFrame({"wage": rng.normal(20, 5, n).round(2), "region": rng.choice(["N", "S", "E"], n),
                         "code": rng.integers(1, 5, n), "union": rng.choice(["yes", "no"], n)}).to_csv(index=False).encode()


def upload(web, name: str, raw: bytes) -> dict:
    r = web.post("/api/v1/datasets", files={"file": (name, raw, "text/csv")})
    assert r.status_code == 201, r.text
    return r.json()


def again_said(rec: dict) -> str | None:
    return next((n["text"] for n in rec["notices"] if n["text"].startswith(SAID)), None)


@pytest.mark.parametrize("rename", [False, True], ids=["same name", "another name"])
def test_a_file_uploaded_again_says_it_is_the_same_dataset_and_what_it_keeps(web, rename):
    raw = table(11 + rename)
    first = upload(web, f"wages{int(rename)}.csv", raw)
    assert again_said(first) is None, first["notices"]  # near miss: a first upload
    second = upload(web, f"wages{int(rename)}{' copy' if rename else ''}.csv", raw)
    assert second["id"] == first["id"]
    said = again_said(second)
    assert said is not None and said.startswith(f"{SAID} 'wages{int(rename)}.csv': it is the same dataset"), said
    assert ("now named 'wages1 copy'" in said) == rename, said
    # choices made on the dataset page: a type and a target, named when it comes again
    ds = first["id"]
    assert web.put(f"/api/v1/datasets/{ds}/reading", json={"types": {"code": "category"}}).status_code == 200
    assert web.put(f"/api/v1/datasets/{ds}/target", json={"target": "union", "problem_type": "classification"}
                   ).status_code == 200
    third = upload(web, "wages-from-email.csv", raw)
    said = again_said(third)
    assert said is not None and "read with the type chosen for 'code' as chosen for it, its target 'union'" in said, said
    assert third["target"] == "union"
    page = web.get(f"/datasets/{ds}").text
    assert SAID in page


def test_a_file_one_byte_different_is_another_dataset_and_says_nothing_of_it(web):
    raw = table(21)
    first = upload(web, "survey.csv", raw)
    changed = raw.replace(b"\n", b"\r\n", 1)  # one line end written otherwise: other bytes
    other = upload(web, "survey.csv", changed)
    assert other["id"] != first["id"] and again_said(other) is None, other["notices"]


def test_the_datasets_list_says_a_target_that_is_still_a_guess(web):
    """The Datasets page listed a guessed target as plainly as a chosen one ('scale', 'vitamins'),
    where the dataset's page calls it a guess (a new user). Listed '(a guess)' until a target is
    saved; a column named as a target is no guess."""
    guessed = upload(web, "plants.csv", table(31).replace(b"union", b"group"))
    named = upload(web, "named.csv", table(32).replace(b"union", b"target"))
    listed = {d["id"]: d for d in web.get("/api/v1/datasets").json()["uploads"]}
    assert listed[guessed["id"]]["guessed"] is True and listed[named["id"]]["guessed"] is False, listed
    page = web.get("/datasets").text
    row = page.split(f'href="/datasets/{guessed["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert f"{guessed['target']}" in row and "(a guess)" in row, row
    assert "(a guess)" not in page.split(f'href="/datasets/{named["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert web.put(f"/api/v1/datasets/{guessed['id']}/target", json={"target": guessed["target"],
                                                                      "problem_type": "auto"}).status_code == 200
    row = web.get("/datasets").text.split(f'href="/datasets/{guessed["id"]}"', 1)[1].split("</tr>", 1)[0]
    assert "(a guess)" not in row, row
