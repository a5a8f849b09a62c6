"""A run exported as one standalone, readable Python script.

The script is the run's snapshot written by hand: each node type writes its own part
through its declaration's `export` hook (nodes/base.py), in the order the run ran them; the
project's own code it needs (transformers, metric and plot functions, the rules the run
applies) is inlined from its source by plugins.codegen, so the script imports only pandas,
scikit-learn and the libraries the run used. It reads the dataset as the app stored it (the
file `GET /api/v1/datasets/{id}/download` gives) and prints the run's metrics; `--json`
prints them as JSON, equal to the run's results to 1e-9.

A bounded retrain loop is written as the rounds the run made: the loop's body once per round,
with the config the run recorded for that round, the gate's check printed and compared with
the run's, and the loop node's decision; a Deploy node says a script cannot deploy.

What cannot be exported (a node type without an `export` hook, a plugin whose code cannot
be carried, a node that did not complete in the run, and everything below it) is said in
the script, as a comment where it would have been and as a note it prints, never left out
silently.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from data.store import Invalid, Store
from executor.engine import DONE, resolve, with_config
from executor.facts import dataset_facts_for
from nodes import graph as graphs
from nodes.base import ExportContext, Exported
from nodes.registry import node_types
from plugins import tables
from plugins.codegen import DISTRIBUTIONS, NotExportable, Source, is_library

FINISHED = ("completed", "failed", "cancelled")


def script_name(job_id: str) -> str:
    return f"playground_{re.sub(r'[^A-Za-z0-9_]', '_', job_id)}.py"


def job_script(store: Store, job_id: str) -> tuple[str, str]:
    """(file name, source) of the script that reproduces a finished run."""
    job = store.require_job(job_id)
    if job["status"] not in FINISHED:
        raise Invalid("This run has not finished yet; its script can be exported once it has.", status=409)
    graph = store.get_snapshot(job["snapshot_id"])
    workflow = store.get_workflow(job["workflow_id"]) if job.get("workflow_id") else None
    runs = {n["node_id"]: n for n in job.get("nodes") or []}
    text = export_script(graph, runs, dataset_facts_for(store), job_id=job_id,
                         title=(workflow or {}).get("name") or "A workflow", when=job.get("created_at"))
    return script_name(job_id), text


def _section(title: str) -> list[str]:
    return ["", "", f"# {'-' * 3} {title} ".ljust(100, "-")]


def export_script(graph: dict, runs: dict, dataset_facts, job_id: str = "local", title: str = "A workflow",
                  when: float | None = None) -> str:
    """The script for `graph` (a run's snapshot); `runs`: node id -> its record in the run
    ({"status", "output", "message"}), or empty for a workflow that has not run."""
    r = resolve(graph, dataset_facts=dataset_facts)
    src = Source()
    for name in ("args", "parser", "data_paths", "plots_dir", "results", "note", "NOT_EXPORTED", "why"):
        src.reserve(name)
    for module in (argparse, json, sys):
        src.ref(module)
    path_cls = src.ref(Path)
    part = _Parts(src, runs, graphs.node_names(graph, node_types()))
    loops = {x.body[0]: x for x in r.graph.loops}
    looped = {nid for x in r.graph.loops for nid in (*x.body, x.node)}
    for nid in r.graph.order:
        if nid in loops:
            _export_loop(part, loops[nid], graph, r, dataset_facts)
        elif nid not in looped:
            part.node(nid, r)
    return _assemble(src, part.body, part.notes, part.datasets, job_id, title, when, path_cls)


class _Parts:
    """The script's main code as it is written, node by node, and what it says it leaves out."""

    def __init__(self, src: Source, runs: dict, names: dict):
        self.src, self.runs, self.names, self.types = src, runs, names, node_types()
        self.exported: dict[str, Exported] = {}
        self.body, self.notes, self.datasets, self.counts = [], [], [], {}

    def label(self, nid: str, node: dict) -> str:
        nt = self.types.get(node.get("type"))
        kind = nt.label if nt else str(node.get("type"))
        return f"{kind} ({nid})" if self.names.get(nid, kind) == kind else f"{self.names[nid]} ({kind}, {nid})"

    def skip(self, why: str) -> None:
        self.notes.append(why)
        self.body.append(f"# NOT EXPORTED: {why}")

    def node(self, nid: str, r, run: dict | None = None, heading: str = "") -> Exported | None:
        """Write one node's part against `r` (the resolved workflow: a loop's round has its
        own); `run`: its record in the run (default: its last, from `runs`)."""
        node = r.graph.nodes[nid]
        nt = self.types.get(node.get("type"))
        label = self.label(nid, node)
        self.body.extend(_section(label + heading))
        run = (self.runs.get(nid) or {}) if run is None else run
        missing = [e.source for e in r.graph.preds[nid] if e.source not in self.exported]
        if nt is None:
            return self.skip(f"{label}: its node type {node.get('type')!r} is not installed here, so it cannot be "
                             "written.")
        if self.runs and run.get("status") not in DONE:  # ran, or reused from the cache (settings, outputs known)
            status, message = run.get("status") or "not run", (run.get("message") or "").rstrip(".")
            # a skipped node's message already starts with "Skipped:": said once
            said = message if message.lower().startswith(status.lower()) else ": ".join(filter(None, (status, message)))
            return self.skip(f"{label} did not complete in the run ({said}), so the script leaves it out.")
        if missing:
            return self.skip(f"{label} is left out: it needs {', '.join(repr(m) for m in missing)}, which the script "
                             "does not have.")
        if "export" not in nt.declared:
            return self.skip(f"{label}: the {nt.label} node type cannot be exported to a script, so the script leaves "
                             "it (and what needs it) out.")
        inputs: dict = {}
        for e in r.graph.preds[nid]:
            port = nt.input_port(e.target_port)
            if port is not None and port.multiple:
                inputs.setdefault(e.target_port, []).append(self.exported[e.source])
            else:
                inputs[e.target_port] = self.exported[e.source]
        self.counts[nt.type] = self.counts.get(nt.type, 0) + 1
        n = self.counts[nt.type]
        ctx = ExportContext(node_id=nid, label=label, suffix="" if n == 1 else f"_{n}", inputs=inputs,
                            upstream=r.upstream.get(nid), design=r.designs.get(nid), source=self.src,
                            output=run.get("output"), data_arg=len(self.datasets))
        try:
            part = nt.export(r.configs[nid], ctx)
        except NotExportable as e:
            return self.skip(f"{label} cannot be exported: {e}.")
        except Exception as e:  # a hook's bug must not cost the rest of the script
            return self.skip(f"{label} could not be exported ({type(e).__name__}: {e}).")
        if nt.dataset_param:
            self.datasets.append(tables.download_name(r.configs[nid][nt.dataset_param]))
        self.exported[nid] = part
        for note in part.notes:
            if note not in self.notes:  # a loop's rounds export a node again: its note is said once
                self.notes.append(note)
            self.body.append(f"# NOTE: {note}")
        self.body.extend(part.lines)
        return part


def _export_loop(part: _Parts, loop, graph: dict, r, dataset_facts) -> None:
    """A bounded loop as the run made it: its body once per round the run recorded, each
    with that round's config of the loop target (as the run resolved it again), the exit's
    decision checked against the run's, and the loop node's part as what it decided. The
    script does not decide the rounds again: it trains the run's, and says when a gate's
    decision differs from the run's. The nodes below take the last round's outputs, or the
    round the run kept (an earlier, better one: its body once more, as the run did)."""
    ran = part.runs.get(loop.node) or {}
    rounds = [x for x in (ran.get("output") or {}).get("rounds") or [] if isinstance(x, dict)]
    loop_label = part.label(loop.node, r.graph.nodes[loop.node])
    if part.runs and rounds and any(not isinstance(x.get("config"), dict) for x in rounds):
        for nid in loop.body:
            part.body.extend(_section(part.label(nid, r.graph.nodes[nid])))
            part.skip(f"{part.label(nid, r.graph.nodes[nid])} is left out: the run of {loop_label}'s loop did not "
                      "record each round's config, so the script cannot train its rounds again.")
        part.body.extend(_section(loop_label))
        return
    if not rounds:  # the first round passed (or the workflow has not run): the saved config, once
        for nid in loop.body:
            part.node(nid, r)
        part.body.extend(_section(loop_label))
        said = ran.get("message") or "not run"
        part.body += [f"# {loop_label} did not run another round: {said}",
                      f"note({loop_label + ' did not run another round: ' + said!r})"]
        return
    exit_port = loop.exit.source_port
    nt = part.types[r.graph.nodes[loop.node]["type"]]
    part.body += [*_section(f"{loop_label}: its loop ({nt.summary(r.configs.get(loop.node) or {})})"),
                  f"# The run made {len(rounds)} round(s) of this loop, which ended: {ran.get('message') or 'see below'}.",
                  "# The script trains each round with the config the run gave it and checks each gate's decision",
                  "# against the run's; it does not decide the rounds again. The nodes below take the last round's"
                  "# (or the one the run kept, trained once more at the end)."]
    keep = (ran.get("output") or {}).get("keep")
    kept = next((x for x in rounds if x["round"] == keep), None) if keep != rounds[-1]["round"] else None

    def resolved(this):  # the workflow as the run resolved it for that round
        return r if this["round"] == 1 else resolve(with_config(graph, loop.target, this["config"]),
                                                    dataset_facts=dataset_facts)

    for i, this in enumerate(rounds):
        last = i == len(rounds) - 1 and kept is None
        rr = resolved(this)
        heading = f": round {this['round']} of {loop.bound}" + (f" ({this['change']})" if this.get("change") else "")
        for nid in loop.body:
            part.node(nid, rr, None if last else {"status": "completed"}, heading)
        exit_part = part.exported.get(loop.exit.source)
        said = (this.get("verdict") or {}).get("message") or ("pass" if this.get("passed") else "fail")
        part.body.extend(_section(f"{loop_label}: after round {this['round']} of {loop.bound}"))
        decided = ran.get("message") if i == len(rounds) - 1 else (
            f"round {this['round']} of {loop.bound} failed; round {this['round'] + 1}: {rounds[i + 1].get('change')}")
        part.body += [f"# the run: {said}", f"# {loop_label}: {decided}"]
        if exit_part is not None and exit_part.names.get("port"):
            taken = "!=" if this.get("passed") else "=="
            differs = (f"Round {this['round']}: {part.label(loop.exit.source, r.graph.nodes[loop.exit.source])} "
                       f"decided otherwise than in the run ({said}); the script carries on with the run's rounds.")
            part.body += [f"if not ({exit_part.names['port']} {taken} {exit_port!r}):", f"    note({differs!r})"]
        part.body.append(f"note({loop_label + ': ' + str(decided)!r})")
    if kept is not None:  # the run stopped keeping an earlier round: its body once more, as the run did
        rr = resolved(kept)
        for nid in loop.body:
            part.node(nid, rr, None, f": round {kept['round']} of {loop.bound}, kept (the best)")


def _versions(libraries) -> list[str]:
    out = []
    for lib in sorted(libraries):
        if lib in sys.stdlib_module_names or lib not in DISTRIBUTIONS:
            continue
        try:
            out.append(f"{DISTRIBUTIONS[lib]}=={version(DISTRIBUTIONS[lib])}")
        except PackageNotFoundError:
            out.append(DISTRIBUTIONS[lib])
    return out


def _imports(lines) -> list[str]:
    def key(line):
        module = line.split()[1]
        return (not (is_library(module) and module.split(".")[0] in sys.stdlib_module_names), module, line)
    ordered = sorted(lines, key=key)
    stdlib = [line for line in ordered if not key(line)[0]]
    rest = [line for line in ordered if key(line)[0]]
    return stdlib + ([""] if stdlib and rest else []) + rest


def _in_docstring(text: str) -> str:
    """The workflow's name as the docstring says it: a backslash, a quote or a NUL written
    as an escape, so that 'C:\\New' (read as \\N{…}) or a name holding \"\"\" leaves the
    script's source whole."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\0", "\\0")


_BREAK = re.compile(r"\r\n|\r|\n")


def _source_line(line: str) -> str:
    """A line of the script as Python reads it. What the user named (a column, a node, a
    dataset) is written into comments as it is; a line break in it (Excel's Alt+Enter in a
    header cell: 'Kunden⏎Nr') went on as a line of code, and a NUL stops the parser. A
    comment's line breaks continue it as comments; a NUL is written \\0. A line whose break
    is not in a comment is left as its node type wrote it."""
    import io
    import tokenize

    if "\0" in line:
        line = line.replace("\0", "\\0")
    parts = _BREAK.split(line)
    if len(parts) == 1:
        return line
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(parts[0].lstrip() + "\n").readline))
    except (tokenize.TokenError, SyntaxError):  # a statement that goes on: not a comment's break
        return line
    if not any(t.type == tokenize.COMMENT for t in tokens):
        return line
    indent = parts[0][:len(parts[0]) - len(parts[0].lstrip())]
    return "\n".join([parts[0], *(f"{indent}# {part}" for part in parts[1:])])


def _assemble(src: Source, body, notes, datasets, job_id, title, when, path_cls) -> str:
    stamp = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "not run"
    data_default = datasets or ["data.parquet"]
    requirements = _versions(src.libraries)
    plots = any("plots_dir /" in line for line in body)
    head = [
        "#!/usr/bin/env python3",
        f'"""{_in_docstring(title)}: run {job_id} ({stamp}), exported from AutoML Playground.',
        "",
        "The run, written out: the same data read the same way, the same operations in the same order",
        "fitted on the same rows, the same split, model, cross-validation and search, with every seed",
        "written out. It prints the run's metrics; with --json, the same numbers as JSON.",
        "",
        f"    python {script_name(job_id)} [{' '.join(data_default)}] [--json] [--plots DIR]",
        "",
        "The data file is the dataset as the app stored it: GET /api/v1/datasets/<id>/download",
        "(Parquet, exact; ?format=csv for a CSV, read back into the stored types).",
        "",
        *(["Libraries, as the run used them (pip install " + " ".join(requirements) + "):",
           *[f"    {r}" for r in requirements]] if requirements else ["No library beyond Python's own is used."]),
        "",
        "The project's own code the run uses is inlined below; this script imports nothing from",
        "AutoML Playground.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *_imports(src.imports),
    ]
    if src.definitions:
        head += _section("The project's own code the run uses (inlined from its source)")
        for block in src.definitions:
            head += ["", "", *block.rstrip().splitlines()] if "\n" in block.strip() else ["", block.rstrip()]
    main = [*_section("The run"),
            f"NOT_EXPORTED = {json.dumps(notes, indent=4, ensure_ascii=False)}" if notes else "NOT_EXPORTED = []",
            "",
            "",
            "def note(message):",
            "    print(message, file=sys.stderr)",
            "",
            "",
            "parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])",
            f"parser.add_argument('data', nargs='*', default={data_default!r}, help='the dataset file(s), as the app "
            "stored them (Parquet or CSV)')",
            "parser.add_argument('--json', action='store_true', help='print the metrics as JSON')",
            "parser.add_argument('--plots', default='plots', help='the folder the plots (and predictions) are saved in')",
            "args = parser.parse_args()",
            f"data_paths = list(args.data) + {data_default!r}[len(args.data):]",
            f"plots_dir = {path_cls}(args.plots)",
            *(["plots_dir.mkdir(parents=True, exist_ok=True)"] if plots else []),
            "results = {}",
            "for why in NOT_EXPORTED:",
            "    note('Not reproduced: ' + why)",
            *map(_source_line, body),
            *_section("The metrics"),
            "if args.json:",
            "    print(json.dumps({'metrics': results}, indent=2, default=str))",
            "else:",
            "    for node_id, entry in results.items():",
            "        print(f\"{node_id} ({entry['algorithm']})\")",
            "        for key, value in entry['values'].items():",
            "            print(f'  {key}: {value:.6g}' if isinstance(value, float) else f'  {key}: {value}')",
            "        for key, interval in (entry.get('intervals') or {}).items():",
            "            print(f'  {key}, 95% interval: ' + (f'{interval[0]:.6g} to {interval[1]:.6g}' if interval else 'n/a'))",
            "        for key, value in (entry.get('baseline') or {}).items():",
            "            print(f'  baseline {key}: {value:.6g}' if isinstance(value, float) else f'  baseline {key}: {value}')",
            "        if entry.get('cv'):",
            "            cv = entry['cv']",
            "            print(f\"  cross-validation {cv['metric']}: {cv['mean']:.6g} ± {cv['std']:.6g} over "
            "{len(cv['folds'])} folds\")",
            "        if entry.get('search'):",
            "            s = entry['search']",
            "            print(f\"  search: best {s['metric']} {s['best_value']:.6g} in {s['n_trials']} trials, \"",
            "                  f\"with {s['best_params']}\")",
            ]
    return "\n".join(head + main).rstrip() + "\n"
