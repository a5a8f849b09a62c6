"""Model bundles and scoring (issue 18): `python -m bench --only bundle`.

- scoring 100,000 rows through the app ("Score a file": the upload, the upload reader in
  its helper process, the model, the predictions written and downloaded) against the same
  scoring in-process (pandas reads the CSV, playground_runtime checks the columns, the
  pipeline predicts, the CSV is written): target at most 1.3x;
- the bundle's size;
- loading the bundle's model with skops (the trusted-types check included) against loading
  the same pipeline with joblib: target at most 2x.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

from bench.server import multipart, running_app

# a 100-tree random forest on breast cancer behind scaling: the model both benches load and score
GRAPH = {"name": "bench bundle", "nodes": [
    {"id": "d", "type": "dataset", "config": {"dataset_id": "breast_cancer", "target_column": "target",
                                              "problem_type": "classification"}},
    {"id": "p", "type": "preprocessing", "config": {"operations": [{"method": "standard_scaler"}]}},
    {"id": "s", "type": "split", "config": {}},
    {"id": "m", "type": "model", "config": {"algorithm": "random_forest"}}],
    "edges": [{"source": "d", "target": "p"}, {"source": "p", "target": "s"}, {"source": "s", "target": "m"}]}

ROWS = 100_000


def _call(base, path, body=None, headers=None, method=None):
    req = urllib.request.Request(base + path, data=body, headers=headers or {}, method=method)
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read()


def rows_csv(n: int) -> bytes:
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    rng = np.random.default_rng(0)
    big = frame.iloc[rng.integers(0, len(frame), n)].reset_index(drop=True)
    return big.to_csv(index=False).encode()


def main(argv=None) -> dict:
    import joblib
    import pandas as pd
    import skops.io as sio

    import playground_runtime
    from data.config import settings  # noqa: F401  (the app's own modules, for the loader below)
    from executor.bundle import load_model


    out = {}
    with running_app() as app:
        job_id = json.loads(_call(app.base, "/api/v1/workflows/execute", json.dumps(GRAPH).encode(),
                                  {"Content-Type": "application/json"}))["job_id"]
        for _ in range(600):
            job = json.loads(_call(app.base, f"/api/v1/jobs/{job_id}"))
            if job["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
        assert job["status"] == "completed", job.get("error_message")
        zipped = _call(app.base, f"/api/v1/jobs/{job_id}/models/m/bundle")
        out["bundle_bytes"] = len(zipped)
        folder = Path(tempfile.mkdtemp(prefix="bench-bundle-"))
        zipfile.ZipFile(io.BytesIO(zipped)).extractall(folder)
        out["model_skops_bytes"] = (folder / "model.skops").stat().st_size
        card = json.loads((folder / "model_card.json").read_text())
        csv = rows_csv(ROWS)
        rows = folder / "rows.csv"
        rows.write_bytes(csv)
        from web.security import csrf_token

        token = csrf_token(_secret(app.home))

        def through_app():
            body, ctype = multipart("rows.csv", csv)
            html = _call(app.base, f"/ui/scoring/{job_id}/m", body, {"Content-Type": ctype, "X-CSRF-Token": token,
                                                                    "Sec-Fetch-Site": "same-origin"})
            href = html.decode().split('href="', 1)[1].split('"', 1)[0]
            return _call(app.base, href)

        model = load_model((folder / "model.skops").read_bytes())

        def in_process():
            frame = pd.read_csv(rows)
            X = playground_runtime.prepare_rows(frame, card["features"], card["left_out_columns"])
            return playground_runtime.predictions(model, X).to_csv(index=False).encode()

        assert through_app() == in_process()  # the same predictions, byte for byte
        app_s, local_s, paired = _side_by_side(through_app, in_process, 11)
        out.update(rows=ROWS, app_seconds=app_s, in_process_seconds=local_s, ratio=app_s / local_s,
                   paired_ratio=paired)
        data = (folder / "model.skops").read_bytes()
        pipeline = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
        buf = io.BytesIO()
        joblib.dump(pipeline, buf)
        pickled = buf.getvalue()
        out["skops_load_seconds"], out["joblib_load_seconds"], out["load_paired_ratio"] = _side_by_side(
            lambda: load_model(data), lambda: joblib.load(io.BytesIO(pickled)), 15)
        out["load_ratio"] = out["skops_load_seconds"] / out["joblib_load_seconds"]
    print(f"bundle: {out['bundle_bytes'] / 1024:.0f} KB (model.skops {out['model_skops_bytes'] / 1024:.0f} KB); "
          f"scoring {ROWS:,} rows: app {out['app_seconds']:.2f} s, in-process {out['in_process_seconds']:.2f} s, "
          f"{out['ratio']:.2f}x, pairs {out['paired_ratio']:.2f}x (target <= 1.3x); load: skops "
          f"{out['skops_load_seconds'] * 1000:.0f} ms, joblib {out['joblib_load_seconds'] * 1000:.0f} ms, "
          f"{out['load_ratio']:.2f}x, pairs {out['load_paired_ratio']:.2f}x (target <= 2x)")
    return out


def _secret(home: str) -> str:
    import os

    from data.config import settings

    os.environ["PLAYGROUND_HOME"] = home
    return settings().session_secret()


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _side_by_side(ours, anchor, n: int) -> tuple[float, float, float]:
    """`ours` and `anchor` in turn, `n` times each: their medians, and the median of the
    ratios of each pair (the two calls of a pair see the same moment of the machine)."""
    pairs = [(_timed(ours), _timed(anchor)) for _ in range(n)]
    return (statistics.median(a for a, _ in pairs), statistics.median(b for _, b in pairs),
            statistics.median(a / b for a, b in pairs))


if __name__ == "__main__":
    main(sys.argv[1:])
