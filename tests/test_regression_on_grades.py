"""Regression chosen for a target the app would take for classes (a few whole numbers one after
another: a risk grade 1-3, a rating 1-5, a 0/1 flag) keeps the user's choice and says what it
means, before Run in the Dataset node's inspector and in the run's warnings (a helper's audit:
a grade of 1 to 3 was predicted as 2.4 with no word). Near misses: a count with gaps, a price,
the same grade as classes, and the problem type left to follow from the target, say nothing."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest

from tests.test_advice_in_results import finished

pytestmark = pytest.mark.usefixtures("consumer")

N = 120
RNG = np.random.default_rng(5)
X1 = RNG.normal(0, 1, N)
TARGETS = {  # name: (values, problem type chosen, said?)
    "risk_grade": (np.clip(np.round(2 + X1), 1, 3).astype(int), "regression", True),
    "rating": (np.clip(np.round(3 + 1.3 * X1), 1, 5).astype(int), "regression", True),
    "churned": ((X1 > 0.3).astype(int), "regression", True),
    "affairs": (RNG.choice([0, 1, 2, 3, 7, 12], N), "regression", False),  # a count with gaps
    "price": ((200 + 40 * X1).round(2), "regression", False),
    "risk_grade_classes": (np.clip(np.round(2 + X1), 1, 3).astype(int), "classification", False),
    "risk_grade_auto": (np.clip(np.round(2 + X1), 1, 3).astype(int), None, False),
}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_regression_on_a_few_whole_numbers_is_said_before_run_and_on_the_run(web, name):
    values, problem_type, said = TARGETS[name]
    target = name.removesuffix("_classes").removesuffix("_auto")
    frame = pd.DataFrame({"x1": X1.round(3), "x2": RNG.normal(0, 1, N).round(3), target: values})
    up = web.post("/api/v1/datasets", files={"file": (f"{name}.csv", frame.to_csv(index=False).encode(), "text/csv")})
    assert up.status_code == 201, up.text
    config = {"dataset_id": up.json()["id"], "target_column": target}
    if problem_type:
        config["problem_type"] = problem_type
    wf = web.post("/api/v1/workflows", json={"name": name, "nodes": [
        {"id": "d", "type": "dataset", "config": config},
        {"id": "s", "type": "split", "config": {}},
        {"id": "m", "type": "model", "config": {"algorithm": "decision_tree"}}],
        "edges": [{"source": "d", "target": "s"}, {"source": "s", "target": "m"}]}).json()
    page = html.unescape(web.get(f"/ui/workflows/{wf['id']}/nodes/d/inspector").text)
    sentence = f"{target!r} holds only "
    assert (sentence in page) == said, page[:3000]
    if said:
        shown = ", ".join(str(v) for v in sorted(set(values.tolist())))
        assert f"{target!r} holds only {len(set(values.tolist()))} whole numbers ({shown}): a regression predicts " \
               "values between them" in page and "choose Classification" in page
        job = finished(web, web.post(f"/api/v1/workflows/{wf['id']}/run").json()["job_id"])
        assert sum(sentence in w for w in job["results"]["nodes"]["d"]["warnings"]) == 1, job["results"]["nodes"]["d"]
