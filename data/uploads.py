"""An upload's life after the bytes arrive: converted by the ingest helper, committed with
its row (the Parquet file, and the file as uploaded kept beside it), and read again another
way when the user corrects how it was read (encoding, sheet, a column's type or role).

The web layer streams the upload to a file and calls one of these; both run the reading in
the helper process, never in the web process.
"""

from __future__ import annotations

import threading
from pathlib import Path

from data import datasets, disk
from data.ingest import (
    FORMATS,
    IngestService,
    Limits,
    Receiving,
    dataset_id_of,
    frame_to_score,
    no_column,
    source_path,
)
from data.store import Invalid, NotFound, Store, table_read
from playground_runtime import quoted


def _limits(cfg) -> Limits:
    return Limits(max_bytes=cfg.max_upload_bytes, max_columns=datasets.MAX_COLUMNS, max_cells=cfg.max_cells)


READ_WHILE_ARRIVING = 16 << 20  # bytes: a CSV/TSV upload at least this large is parsed as it arrives


def read_while_arriving(filename: str, length: int) -> bool:
    """Whether an upload is parsed while it is still arriving: a CSV or TSV file of
    READ_WHILE_ARRIVING bytes or more (smaller ones arrive in a moment)."""
    return FORMATS.get(Path(filename or "").suffix.lower()) in ("csv", "tsv") and length >= READ_WHILE_ARRIVING


def begin_upload(store: Store, ingest: IngestService, path: str, filename: str, options: dict | None,
                 expected: int) -> Receiving | None:
    """The helper starts reading the upload arriving at `path` (None when read_while_arriving
    says no, or it is busy: the file is then read once it is all there). add_upload ends it."""
    if not read_while_arriving(filename, expected):
        return None
    return ingest.begin(src=path, expected=expected, filename=filename, dest_dir=str(store.settings.datasets_dir),
                        limits=_limits(store.settings), options=options or None)


def add_upload(store: Store, ingest: IngestService, path: str, filename: str, options: dict | None = None,
               digest: str | None = None, started: Receiving | None = None) -> dict:
    """A new dataset from the file at `path` (removed afterwards unless it is kept as the
    dataset's source). The same file uploaded again is read the way it was last corrected.
    `digest` is the file's SHA-256 when the caller computed it as the bytes arrived (the
    upload route does): the file is then read once, not hashed first. `started`: the helper
    has been reading it as it arrived (begin_upload); this ends that. A disk with no room
    for it is said with data.disk's sentence; nothing is left behind."""
    cfg = store.settings
    filename = filename or "upload.csv"
    asked, committed = options, None
    try:
        # kept as uploaded, and converted to Parquet (rarely larger than the file)
        with disk.translated(cfg, "The upload", needed=2 * Path(path).stat().st_size):
            known = None  # the dataset of these bytes, when they were uploaded before (read once)
            if digest and not options:  # the same file again: read it the way it was last corrected
                known = store.get_dataset(dataset_id_of(digest))
                options = (known or {}).get("options") or None
            if started is not None and (options or None) != (asked or None):  # begun without the corrections:
                started.abort()  # read it again with them
                started = None
            if started is not None:
                record = started.finish(Path(path).stat().st_size, digest)
            else:
                record = ingest.ingest(src=path, filename=filename, dest_dir=str(cfg.datasets_dir),
                                       limits=_limits(cfg), options=options or None, digest=digest)
            if known is None:
                known = store.get_dataset(record["id"])
            if not digest and known and known.get("options") and not options:
                options = known["options"]
                Path(record["tmp_path"]).unlink(missing_ok=True)
                Path(record["sample_tmp"]).unlink(missing_ok=True)
                record = ingest.ingest(src=path, filename=filename, dest_dir=str(cfg.datasets_dir),
                                       limits=_limits(cfg), digest=record["content_hash"], options=options)
            if known is not None:  # the same bytes are the same dataset: said, not a silent merge
                record["notices"] = [{"text": uploaded_before(known, record, options), "column": None, "again": True},
                                     *(record.get("notices") or [])]
            record["source_tmp"] = path
            record["source_path"] = str(source_path(cfg.datasets_dir, record["id"], filename))
            try:
                committed = store.commit_dataset(record)
            finally:
                Path(record["tmp_path"]).unlink(missing_ok=True)
                Path(record["sample_tmp"]).unlink(missing_ok=True)
        if Path(path).exists():  # the same bytes were kept already: this copy goes after the answer
            threading.Thread(target=Path(path).unlink, kwargs={"missing_ok": True}, daemon=True).start()
        return committed
    finally:
        if started is not None and started.open:  # refused before it was ended (a full disk)
            started.abort()
        if committed is None:
            Path(path).unlink(missing_ok=True)  # refused: nothing stays


def uploaded_before(before: dict, record: dict, options: dict | None) -> str:
    """The sentence of a file uploaded again (the same bytes, under any name): it is the same
    dataset, renamed as this upload names it, read with the choices made for it and keeping
    its target. A helper's audit: two uploads of one file were one dataset, and choosing a
    type on one changed the other, with no word said."""
    renamed = f", now named {quoted(record['name'])}" if record.get("name") != before.get("name") else ""
    choices = []
    for key, noun in (("encoding", "encoding"), ("sheet", "sheet"), ("member", "table of the archive")):
        if (options or {}).get(key):
            choices.append(f"the {noun} {quoted(str(options[key]))}")
    for key, noun in (("types", "type"), ("roles", "role")):
        names = list((options or {}).get(key) or {})
        if names:
            listed = ", ".join(quoted(n) for n in names[:3]) + (" …" if len(names) > 3 else "")
            choices.append(f"the {noun}{'s' if len(names) > 1 else ''} chosen for {listed}")
    kept = [f"read with {' and '.join(choices)} as chosen for it"] if choices else []
    if before.get("target"):
        kept.append(f"its target {quoted(before['target'])}")
    return (f"This file was uploaded before as {quoted(before.get('filename') or before.get('name') or '')}: it is the "
            f"same dataset{renamed}" + (f", {', '.join(kept)}" if kept else "") +
            "; every workflow using it sees this upload. Upload a changed file to have another dataset.")


def reread(store: Store, ingest: IngestService, dataset_id: str, options) -> dict:
    """Read an upload again from the file as uploaded, with the user's `options` (all of
    them: what is left out goes back to detection). Refused with a sentence when the file
    was not kept, an option is malformed, a chosen type does not fit its values, or the new
    reading would take the target away; nothing changes then."""
    from data.ingest import check_options

    cfg = store.settings
    if datasets.is_sample(dataset_id):
        raise Invalid("Sample datasets are read as shipped; upload a file to choose how it is read.", status=400)
    row = store.get_dataset(dataset_id)
    if row is None:
        raise NotFound(f"No uploaded dataset {dataset_id[:64]!r}.")
    options = check_options(options)
    source = row.get("source_path")
    if not source or not Path(source).exists():
        raise Invalid("This dataset was uploaded before files were kept as uploaded: upload the file again to "
                      "choose how it is read.", status=409)
    # the new Parquet file is written beside the current one before it replaces it
    needed = Path(row["path"]).stat().st_size if Path(row["path"]).exists() else row.get("size_bytes") or 0
    disk.require_free(cfg, "Reading the dataset again", needed=needed)
    # the columns of the table read now (those ignored too): the page's form sends the choices made for them, which
    # another sheet or table of the archive may not have (left out there, said); the same table lacking one refuses it
    earlier = [c["name"] for c in (row.get("profile") or {}).get("columns", [])]
    earlier += [c for key in ("types", "roles") for c in ((row.get("options") or {}).get(key) or {})]
    options, behind = _sheet_left_behind(options, row)
    with disk.translated(cfg, "The dataset read again", needed=needed):
        record = ingest.ingest(src=source, filename=row["filename"], dest_dir=str(cfg.datasets_dir),
                               limits=_limits(cfg), digest=row["content_hash"], options=options,
                               earlier=list(dict.fromkeys(earlier)))
        if behind:
            record["notices"] = [{"text": behind, "column": None}, *(record.get("notices") or [])]
        try:
            if record.get("left_out") and table_read(record) == table_read(row):
                raise datasets.DatasetError(no_column(record["left_out"][0]))
            return store.reread_dataset(record)
        finally:
            Path(record["tmp_path"]).unlink(missing_ok=True)
            Path(record["sample_tmp"]).unlink(missing_ok=True)


def _sheet_left_behind(options: dict, row: dict) -> tuple[dict, str | None]:
    """(`options`, said): the dataset page's form sends the sheet of the workbook read before beside
    another table of the archive chosen (a zip of two workbooks): the workbook chosen was refused as
    having no such sheet. A table chosen anew starts from its own first sheet, as it starts from its
    own target, and the sheet named for the other one is left out, said; a sheet named otherwise is
    read, or refused naming the sheets there are."""
    reading = row.get("reading") or {}
    archive = reading.get("archive") or {}
    before = archive.get("listed") or archive.get("member")
    member, sheet = options.get("member"), options.get("sheet")
    if not member or sheet in (None, "") or not before or member == before or str(sheet) != str(reading.get("sheet")):
        return options, None
    kept = {k: v for k, v in options.items() if k != "sheet"}
    return kept, f"Sheet {str(sheet)!r} belongs to {before!r}: {member!r} was read from its own first sheet."


def begin_read_table(store: Store, ingest: IngestService, path: str, filename: str, expected: int,
                     zero_dashes=()):
    """The helper starts reading a large CSV to score while it arrives at `path` (as
    begin_upload does for a dataset); None when it is not large, not CSV/TSV, or the helper
    is busy. read_table ends it. `zero_dashes`: as read_table's."""
    import shutil
    import tempfile

    if not read_while_arriving(filename, expected):
        return None
    cfg = store.settings
    folder = tempfile.mkdtemp(dir=cfg.home, prefix="scoring-")
    started = ingest.begin(src=path, expected=expected, filename=filename or "rows.csv", dest_dir=folder,
                           limits=_limits(cfg), options=None, table_only=True, zero_dashes=list(zero_dashes),
                           given_up=lambda: shutil.rmtree(folder, ignore_errors=True))
    if started is None:
        shutil.rmtree(folder, ignore_errors=True)
    return started


def read_table(store: Store, ingest: IngestService, path: str, filename: str, started: Receiving | None = None,
               zero_dashes=()):
    """A table to score, read the way an upload is (the ingest helper: encodings, regional
    numbers and dates, Excel), not kept as a dataset: the converted file and `path` are
    removed once read. `started`: the helper has been reading it as it arrived
    (begin_read_table); `zero_dashes`: the columns whose '-' the scoring model learned as 0
    (playground_runtime.zero_dash_columns), read so."""
    import shutil
    import tempfile

    cfg = store.settings
    folder = started.dest_dir if started is not None else tempfile.mkdtemp(dir=cfg.home, prefix="scoring-")
    try:
        with disk.translated(cfg, "The file to score", needed=2 * Path(path).stat().st_size):
            if started is not None:
                record = started.finish(Path(path).stat().st_size, "")
            else:
                record = ingest.ingest(src=path, filename=filename or "rows.csv", dest_dir=folder,
                                       limits=_limits(cfg), options=None, table_only=True,
                                       zero_dashes=list(zero_dashes))
        return frame_to_score(record)  # how it was read, to be said
    finally:
        if started is not None and started.open:
            started.abort()
        shutil.rmtree(folder, ignore_errors=True)
        Path(path).unlink(missing_ok=True)
