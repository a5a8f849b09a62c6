"""The predict endpoint (issue 19): `python -m bench --only serve`.

A random forest on breast cancer (the bundle bench's pipeline) is deployed through the API;
then, side by side (one endpoint call, one in-process call, in turn), the p50 and p99
latency of one record and of 1,000-record batches:

- through the endpoint: real HTTP on a kept-alive connection to the app (uvicorn), a
  Bearer key, JSON records in, JSON predictions and class probabilities out; the request
  logged;
- in-process: the same bundle's model (skops, loaded once) scoring the same records as the
  bundle's predict.py does (a DataFrame, playground_runtime's column rule, predictions with
  probabilities);
- a plain script: the same model's `predict` and `predict_proba` on a DataFrame of the same
  records, as a user writes them. (For a forest asked for both, playground_runtime takes the
  predictions from the probabilities as scikit-learn's predict does, so the endpoint and the
  in-process path run the trees once and the plain script twice: both ratios are printed.)

Targets on the 2-core reference machine: one record at most 5 ms over the in-process p50;
1,000 records at most 1.2x in-process.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import statistics
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

from bench.bundle import GRAPH as BUNDLE_GRAPH
from bench.server import running_app

GRAPH = {**BUNDLE_GRAPH, "name": "bench serve"}
ONE_RECORD_CALLS = 300
BATCH_CALLS = 120
BATCH = 1_000


def _json(base, path, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def _pct(values, q) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def records(n: int) -> list[dict]:
    import numpy as np
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.drop(columns="target")
    rng = np.random.default_rng(n)
    return frame.iloc[rng.integers(0, len(frame), n)].to_dict(orient="records")


def _logged_parts(home: str) -> dict:
    """The endpoint's own request log: p50 of each part, by batch size."""
    import sqlite3

    db = sqlite3.connect(Path(home) / "playground.db")
    out = {}
    for n in (1, BATCH):
        rows = db.execute("SELECT parse_ms, validate_ms, predict_ms, total_ms FROM prediction_log "
                          "WHERE status = 200 AND rows = ?", [n]).fetchall()
        out[n] = {k: statistics.median(r[i] for r in rows) for i, k in enumerate(("parse", "validate", "predict",
                                                                                 "total"))}
    db.close()
    return out


def main(argv=None) -> dict:
    import pandas as pd

    import playground_runtime
    from executor.bundle import load_model

    out = {"load_average": os.getloadavg()[0]}
    with running_app() as app:
        job_id = _json(app.base, "/api/v1/workflows/execute", GRAPH)["job_id"]
        for _ in range(1200):
            job = _json(app.base, f"/api/v1/jobs/{job_id}")
            if job["status"] in ("completed", "failed"):
                break
            time.sleep(0.5)
        assert job["status"] == "completed", job.get("error_message")
        _json(app.base, f"/api/v1/jobs/{job_id}/models/m/deploy", {"name": "bench"})
        key = _json(app.base, "/api/v1/keys", {"name": "bench"})["key"]
        with urllib.request.urlopen(f"{app.base}/api/v1/jobs/{job_id}/models/m/bundle", timeout=60) as r:
            folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
            zipfile.ZipFile(io.BytesIO(r.read())).extractall(folder)
        card = json.loads((folder / "model_card.json").read_text())
        model = load_model((folder / "model.skops").read_bytes())

        def in_process(rows):
            X = playground_runtime.prepare_rows(pd.DataFrame.from_records(rows), card["features"],
                                                card["left_out_columns"])
            return playground_runtime.predictions(model, X, proba=True)

        def plain(rows):
            X = pd.DataFrame.from_records(rows)
            return model.predict(X), model.predict_proba(X)

        conn = http.client.HTTPConnection(app.base.removeprefix("http://"), timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}

        def endpoint(body: bytes):
            conn.request("POST", "/api/v1/deployments/bench/predict", body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
            assert r.status == 200, data[:300]
            return data

        for label, n, calls in (("one record", 1, ONE_RECORD_CALLS), (f"{BATCH:,} records", BATCH, BATCH_CALLS)):
            rows = records(n)
            body = json.dumps({"records": rows}).encode()
            answer = json.loads(endpoint(body))  # warm: the version loaded once in the web process
            local = in_process(rows)
            assert answer["predictions"] == local["prediction"].tolist() == plain(rows)[0].tolist()
            http_ms, local_ms, plain_ms = [], [], []
            for _ in range(calls):
                for fn, arg, into in ((endpoint, body, http_ms), (in_process, rows, local_ms), (plain, rows, plain_ms)):
                    t = time.perf_counter()
                    fn(arg)
                    into.append((time.perf_counter() - t) * 1000)
            out[label] = {"endpoint_p50_ms": statistics.median(http_ms), "endpoint_p99_ms": _pct(http_ms, 99),
                          "in_process_p50_ms": statistics.median(local_ms), "in_process_p99_ms": _pct(local_ms, 99),
                          "plain_p50_ms": statistics.median(plain_ms), "plain_p99_ms": _pct(plain_ms, 99),
                          # each endpoint call against the in-process calls right after it: the
                          # three see the same moment of the machine, whose load moves them all
                          "paired_ratio_p50": statistics.median(h / max(loc, 1e-9) for h, loc in zip(http_ms, local_ms)),
                          "plain_paired_ratio_p50": statistics.median(h / max(p, 1e-9) for h, p in zip(http_ms, plain_ms))}
        conn.close()
        out["logged_parts_p50_ms"] = _logged_parts(app.home)
    one, batch = out["one record"], out[f"{BATCH:,} records"]
    print(f"serve (load average {out['load_average']:.2f}):")
    for label, m in (("one record", one), (f"{BATCH:,} records", batch)):
        print(f"  {label}: endpoint p50 {m['endpoint_p50_ms']:.1f} ms, p99 {m['endpoint_p99_ms']:.1f} ms; "
              f"in-process p50 {m['in_process_p50_ms']:.1f} ms, p99 {m['in_process_p99_ms']:.1f} ms; plain script "
              f"p50 {m['plain_p50_ms']:.1f} ms, p99 {m['plain_p99_ms']:.1f} ms")
    print(f"  one record: +{one['endpoint_p50_ms'] - one['in_process_p50_ms']:.1f} ms over in-process p50 "
          f"(target <= 5 ms); {BATCH:,} records: {batch['endpoint_p50_ms'] / batch['in_process_p50_ms']:.2f}x "
          f"(target <= 1.2x; median of the {BATCH_CALLS} call-by-call ratios {batch['paired_ratio_p50']:.2f}x); "
          f"against the plain script's predict and predict_proba {batch['endpoint_p50_ms'] / batch['plain_p50_ms']:.2f}x "
          f"(call by call {batch['plain_paired_ratio_p50']:.2f}x)")
    for rows, parts in out["logged_parts_p50_ms"].items():
        print(f"  as logged by the endpoint, {rows:,} rows, p50: "
              + ", ".join(f"{k} {v:.1f} ms" for k, v in parts.items()))
    return out


if __name__ == "__main__":
    main()
