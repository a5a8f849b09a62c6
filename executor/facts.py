"""What validation and estimates know about datasets, on any side (web, worker, child,
CLI): uploads from their stored profile, samples profiled once per process."""

from __future__ import annotations

import os

from data.store import Store
from executor.engine import default_dataset_info


def dataset_info_for(store: Store):
    """Dataset facts for validation and estimates: uploads from their stored profile,
    samples profiled once per process."""
    samples = default_dataset_info(None)

    def info(dataset_id: str):
        row = store.get_dataset(dataset_id) if isinstance(dataset_id, str) else None
        if row is not None:
            if not os.path.exists(row["path"] or ""):
                return None
            profile = row.get("profile") or {}
            return {"columns": profile.get("columns", []), "n_rows": row.get("n_rows"), "name": row.get("name")}
        return samples(dataset_id)

    return info
