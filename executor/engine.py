"""The workflow engine: validate a workflow graph, then run it node by node.

Public interface (other layers rely on these names):

    validate_workflow(workflow, dataset_exists=None) -> dict[str, list[str]]
        Errors keyed by node id ("_workflow" for graph-level ones). Empty dict: valid.

    run_workflow(workflow, on_event, *, job_id="local", is_cancelled=lambda: False,
                 save_artifact=None, load_dataset=None) -> dict
        Runs in topological order. `on_event(event: dict)` is called for every change:
          {"type": "node_status", "node_id", "status": running|completed|failed|skipped|cancelled,
           "duration"?, "message"?, "traceback"?, "summary"?}
          {"type": "node_progress", "node_id", "progress": 0..1, "message"}
          {"type": "metrics", "node_id", "metrics": {...}, "algorithm"}
        Returns {"status": completed|failed|cancelled, "nodes": {node_id: {...}},
                 "metrics": {evaluate_node_id: {...}}, "plots": [...], "error"?}
"""
