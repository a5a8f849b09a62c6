"""What validation and estimates know about datasets, on any side (web, worker, child,
CLI): uploads from their stored profile, samples profiled once per process."""

from __future__ import annotations

import os

from data.store import Store
from executor.engine import default_dataset_facts
from plugins.tables import standing_guess


def dataset_facts_for(store: Store):
    """Dataset facts for validation and estimates: uploads from their stored profile,
    samples profiled once per process. The suggested target and problem type are the ones
    chosen on the dataset page (until then, the declared or guessed ones)."""
    samples = default_dataset_facts(None)

    def info(dataset_id: str):
        row = store.get_dataset(dataset_id) if isinstance(dataset_id, str) else None
        if row is not None:
            if not os.path.exists(row["path"] or ""):
                return None
            return upload_facts(row)
        facts = samples(dataset_id)
        if facts is not None:
            chosen = store.find_dataset(dataset_id) or {}
            facts = {**facts, "suggested_target": chosen.get("target"),
                     "suggested_problem_type": chosen.get("problem_type")}
        return facts

    return info


def upload_facts(record: dict) -> dict:
    """What validation and estimates know about an uploaded table, from its stored row or
    straight from its ingest record (the CLI's --data): the same fields, from its profile."""
    profile = record.get("profile") or {}
    return {"columns": profile.get("columns", []), "n_rows": record.get("n_rows"), "name": record.get("name"),
            "suggested_target": record.get("target"), "suggested_problem_type": record.get("problem_type"),
            # the suggested target when it is only a guess (no name says it), until one is chosen
            "target_guess": standing_guess(profile, record.get("target")),
            # the series in time a random split would cut, found for the target and problem type it names
            # (data.datasets.series_fact): the Split's inspector says it before a run
            "series": profile.get("series"),
            # the date columns written with numbers, and the order they were read in
            "date_orders": (record.get("reading") or {}).get("date_orders") or {},
            # the number columns written otherwise than plain numbers (1.334,60 €), and how
            "number_formats": (record.get("reading") or {}).get("number_formats") or {},
            # the decimal separator the file settles for all its numbers (a decimal comma: its ';' and its numbers)
            "decimal_settled": (record.get("reading") or {}).get("decimal_settled"),
            # the columns of numbers a few values that are no number ('ERR') kept as text, and how many those are
            "unreadable_numbers": (record.get("reading") or {}).get("unreadable_numbers") or {},
            # the number columns whose '-' were read as gaps, and how many (nodes.predict: a model that learned '-' as 0)
            "dash_gaps": (record.get("reading") or {}).get("dash_gaps") or {},
            # the number columns chosen as dates, read as Excel day numbers, and their date system
            "day_numbers": (record.get("reading") or {}).get("day_numbers") or {},
            # the file as uploaded, and how it was read, a sentence per conversion (an exported script says them;
            # not the sentence of an upload of the same bytes again)
            "filename": record.get("filename"),
            "read_notices": [n["text"] for n in record.get("notices") or [] if isinstance(n, dict) and n.get("text")
                             and not n.get("again")],
            # the text encoding the file was read in (a model's predict.py reads rows to score in it too)
            "encoding": (record.get("reading") or {}).get("encoding"),
            # what decides its rows: the file's bytes, how they are read (types, roles, sheet...) and the
            # version of the app's reader that read them (data.ingest.reader_version; None: stored before it was kept)
            "version": {"content_hash": record.get("content_hash"), "reading": record.get("options") or {},
                        "reader": (record.get("reading") or {}).get("reader")}}
