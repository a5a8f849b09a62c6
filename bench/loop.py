"""The retrain loop's own cost, on iris (small, so the machinery shows): a workflow whose
Gate never passes, so its Retrain runs the Model → Evaluate → Gate body three times (three
algorithms), in-process, against the anchor measured side by side: the same three bodies run
as three straight workflows (no loop), one per algorithm. The anchor also reads the dataset
and splits it three times, which the loop does once; the ratio is what the loop adds
(resolving each round again, its events) less that.

    python -m bench --only loop [--runs N]
"""

from __future__ import annotations

import os
import statistics
import time

DATA = {"dataset_id": "iris", "target_column": "target", "problem_type": "classification"}
ALGORITHMS = ("decision_tree", "knn", "logistic_regression")


def straight(algorithm: str) -> dict:
    nodes = [{"id": "d", "type": "dataset", "config": DATA},
             {"id": "s", "type": "split", "config": {"test_size": 0.3, "random_seed": 1}},
             {"id": "m", "type": "model", "config": {"algorithm": algorithm}},
             {"id": "e", "type": "evaluate", "config": {"metrics": ["accuracy"]}},
             {"id": "g", "type": "gate", "config": {"metric": "accuracy", "threshold": 1.01}}]
    edges = [{"source": a, "target": b} for a, b in (("d", "s"), ("s", "m"), ("m", "e"), ("e", "g"))]
    return {"nodes": nodes, "edges": edges}


def looped() -> dict:
    wf = straight(ALGORITHMS[0])
    wf["nodes"].append({"id": "r", "type": "retrain", "config": {
        "max_rounds": len(ALGORITHMS), "escalation": "algorithm", "algorithms": ", ".join(ALGORITHMS[1:]),
        "stop_if_no_better": False}})
    wf["edges"] += [{"source": "g", "source_port": "fail", "target": "r"}, {"source": "r", "target": "m"}]
    return wf


def main(argv=None, runs: int = 5) -> dict:
    from executor.engine import run_workflow

    def loop_once():
        result = run_workflow(looped(), lambda e: None)
        assert result["nodes"]["r"]["message"].startswith(f"stopped after round {len(ALGORITHMS)}"), result["nodes"]["r"]
        return result

    def anchor_once():
        for algorithm in ALGORITHMS:  # the dataset and split run each time, as each round's would not
            run_workflow(straight(algorithm), lambda e: None)

    loop_once()
    anchor_once()  # warm imports and the sample's profile
    loop_t, anchor_t = [], []
    for _ in range(runs):  # side by side, alternating
        t = time.perf_counter()
        loop_once()
        loop_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        anchor_once()
        anchor_t.append(time.perf_counter() - t)
    lm, am = statistics.median(loop_t), statistics.median(anchor_t)
    load = os.getloadavg()[0]
    print(f"retrain loop, {len(ALGORITHMS)} rounds in one run: {lm:7.3f} s median")
    print(f"the same bodies as {len(ALGORITHMS)} straight runs:  {am:7.3f} s median   ratio {lm / am:.2f}  "
          f"(load {load:.1f})")
    return {"loop": lm, "anchor": am, "ratio": lm / am, "load": load}


if __name__ == "__main__":
    main()
