"""Datasets: the bundled samples, profiling, and ingestion of a user's file.

Pure functions over files and frames; the SQLite store keeps the records. An ingested file
is validated, profiled and written as Parquet named by its content hash, atomically: on any
error nothing is left behind.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pandas as pd

from data.charts import column_charts
from plugins import tables
from plugins.tables import plain_dtypes


class DatasetError(ValueError):
    """A dataset cannot be used; the message says why, for a person."""


# --------------------------------------------------------------------------- samples
SAMPLES = {
    "iris": dict(name="Iris flowers", problem_type="classification", target="target",
                 description="150 iris flowers, 4 measurements each; predict the species (3 classes)."),
    "wine": dict(name="Wine cultivars", problem_type="classification", target="target",
                 description="178 wines, 13 chemical measurements; predict which of 3 cultivars made it."),
    "breast_cancer": dict(name="Breast cancer (Wisconsin)", problem_type="classification", target="target",
                          description="569 tumour biopsies, 30 cell measurements; predict malignant (0) or benign (1)."),
    "digits": dict(name="Handwritten digits", problem_type="classification", target="target",
                   description="1,797 8x8 images of digits as 64 pixel intensities; predict the digit (10 classes)."),
    "diabetes": dict(name="Diabetes progression", problem_type="regression", target="target",
                     description="442 patients, 10 baseline measurements; predict disease progression after a year."),
    "blobs": dict(name="Synthetic blobs", problem_type="clustering", target=None,
                  description="600 points in 5 dimensions drawn around 4 centres; find the groups (no target)."),
}


def _load_raw(dataset_id: str) -> pd.DataFrame:
    from sklearn import datasets as skd

    if dataset_id == "blobs":
        X, _ = skd.make_blobs(n_samples=600, n_features=5, centers=4, cluster_std=1.6, random_state=7)
        return pd.DataFrame(X, columns=["height", "width", "depth", "weight", "density"]).round(4)
    loader = {"iris": skd.load_iris, "wine": skd.load_wine, "breast_cancer": skd.load_breast_cancer,
              "digits": skd.load_digits, "diabetes": skd.load_diabetes}[dataset_id]
    return loader(as_frame=True).frame


@cache
def _sample_frame(dataset_id: str) -> pd.DataFrame:
    return _load_raw(dataset_id)


def is_sample(dataset_id: str) -> bool:
    return dataset_id in SAMPLES


def load_sample(dataset_id: str) -> pd.DataFrame:
    if dataset_id not in SAMPLES:
        raise DatasetError(f"No sample dataset {dataset_id!r}.")
    return _sample_frame(dataset_id).copy()


def sample_info(dataset_id: str) -> dict | None:
    if dataset_id not in SAMPLES:
        return None
    df = _sample_frame(dataset_id)
    return {"id": dataset_id, **SAMPLES[dataset_id], "n_rows": int(len(df)), "n_cols": int(df.shape[1]),
            "source": "sample"}


def list_samples() -> list[dict]:
    return [sample_info(k) for k in SAMPLES]


# --------------------------------------------------------------------------- profile
@cache
def _sample_profile(dataset_id: str) -> tuple[dict, dict]:
    df = _sample_frame(dataset_id)
    prof = tables.profile(df, SAMPLES[dataset_id]["target"])
    return prof, column_charts(df, prof["columns"])


def sample_profile(dataset_id: str) -> tuple[dict, dict]:
    """A sample's profile and column charts, computed once per process (a copy each time:
    callers may change theirs)."""
    import copy

    if dataset_id not in SAMPLES:
        raise DatasetError(f"No sample dataset {dataset_id!r}.")
    return copy.deepcopy(_sample_profile(dataset_id))


# --------------------------------------------------------------------------- ingestion
MAX_COLUMNS = 2000


def load_parquet(path) -> pd.DataFrame:
    return plain_dtypes(pd.read_parquet(path))


def plain_frame(table) -> pd.DataFrame:
    """An Arrow table as the frame its Parquet file loads as (load_parquet)."""
    return plain_dtypes(table.to_pandas())


def head_rows(dataset_id: str, datasets_dir: Path, n: int = 20, as_stored: bool = False) -> pd.DataFrame:
    """The first n rows, read without loading the rest of the table. `as_stored`: whole
    numbers with gaps stay whole numbers (objects: 130 and None), as the file holds them and
    the page shows them, not the floats the models read (130.0)."""
    if is_sample(dataset_id):
        return load_sample(dataset_id).head(n)
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = _safe_path(dataset_id, datasets_dir)
    if not path.exists():
        raise DatasetError(f"No dataset {dataset_id!r}.")
    batch = next(pq.ParquetFile(path).iter_batches(batch_size=n), None)
    if batch is None:
        return pd.DataFrame()
    frame = plain_dtypes(batch.to_pandas(date_as_object=False))
    if as_stored:
        for i, field in enumerate(batch.schema):
            if pa.types.is_integer(field.type) and batch.column(i).null_count:
                frame[field.name] = pd.Series(batch.column(i).to_pylist(), index=frame.index, dtype=object)
    return frame


SAMPLE_SUFFIX = ".sample.parquet"  # <id>.sample.parquet: the rows the dataset page checks


def sample_indices(n_rows: int, n: int, seed: int = 0):
    """The seeded rows a sample of n takes (every row when there are fewer), in order."""
    import numpy as np

    if n_rows <= n:
        return None
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=n, replace=False))


def sample_rows(dataset_id: str, datasets_dir: Path, n: int, seed: int = 0) -> pd.DataFrame:
    """A seeded random sample of n rows (every row when there are fewer). An upload's
    sample is written beside it at ingest (a few thousand rows); one stored before that is
    taken batch by batch, so a large table is never held whole in this process."""
    if is_sample(dataset_id):
        df = load_sample(dataset_id)
        return df if len(df) <= n else df.sample(n, random_state=seed)
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = _safe_path(dataset_id, datasets_dir)
    if not path.exists():
        raise DatasetError(f"No dataset {dataset_id!r}.")
    stored = path.with_name(dataset_id + SAMPLE_SUFFIX)
    if stored.exists():
        return stored_sample(stored, n, seed)
    f = pq.ParquetFile(path)
    rows = sample_indices(f.metadata.num_rows, n, seed)
    kept, start = [], 0
    for batch in f.iter_batches(batch_size=65_536):
        end = start + batch.num_rows
        if rows is None:
            kept.append(batch)
        else:
            inside = rows[(rows >= start) & (rows < end)] - start
            if len(inside):
                kept.append(batch.take(pa.array(inside)))
        start = end
    table = pa.Table.from_batches(kept, schema=f.schema_arrow) if kept else f.schema_arrow.empty_table()
    return plain_dtypes(table.to_pandas(date_as_object=False))


def stored_sample(path, n: int, seed: int = 0) -> pd.DataFrame:
    """The rows of an upload's sample file (written beside it at ingest, in the file's
    order), n of them when it holds more."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    if table.num_rows > n:
        table = table.take(sample_indices(table.num_rows, n, seed))
    return plain_dtypes(table.to_pandas(date_as_object=False))


def series_fact(sample: pd.DataFrame, target: str | None, problem_type: str | None, n_rows: int | None) -> dict | None:
    """What the Split node's inspector says of a series in time before a run, kept with an
    upload (its profile's "series") whenever its target is set: the order a random split
    would cut (guards.table_series, the dataset page's rule on the same sample, in the
    file's order), None when there is none, keyed by the target and problem type it was
    found for (a Dataset node predicting anything else is told nothing: its run checks)."""
    from plugins import guards

    try:
        order = guards.table_series(sample, target, problem_type)
    except Exception:  # an advisory check never stops a target being saved or a file read: the run checks again
        return None
    return {"target": target, "problem_type": problem_type, "order": order.stored() if order else None,
            "sample_rows": int(len(sample)), "n_rows": n_rows}


def dataset_exists(dataset_id: str, datasets_dir: Path) -> bool:
    if is_sample(dataset_id):
        return True
    return _safe_path(dataset_id, datasets_dir).exists()


def _safe_path(dataset_id: str, datasets_dir: Path) -> Path:
    if not dataset_id or "/" in dataset_id or "\\" in dataset_id or dataset_id.startswith("."):
        raise DatasetError(f"No dataset {dataset_id!r}.")
    return Path(datasets_dir) / f"{dataset_id}.parquet"


def file_digest(dataset_id: str, datasets_dir: Path) -> str:
    """The SHA-256 of a stored table's file: its version where no row says how it was read."""
    import hashlib

    h = hashlib.sha256()
    with open(_safe_path(dataset_id, datasets_dir), "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_dataset(dataset_id: str, datasets_dir: Path) -> pd.DataFrame:
    if is_sample(dataset_id):
        return load_sample(dataset_id)
    path = _safe_path(dataset_id, datasets_dir)
    if not path.exists():
        raise DatasetError(f"No dataset {dataset_id!r}.")
    return load_parquet(path)


def upload_charts(dataset_id: str, datasets_dir: Path, profile: dict) -> dict:
    """The column charts of an upload stored before they were computed at ingest."""
    return column_charts(load_dataset(dataset_id, datasets_dir), profile.get("columns", []))


def delete_dataset_file(dataset_id: str, datasets_dir: Path) -> None:
    if not is_sample(dataset_id):
        path = _safe_path(dataset_id, datasets_dir)
        path.unlink(missing_ok=True)
        path.with_name(dataset_id + SAMPLE_SUFFIX).unlink(missing_ok=True)


DELETING = ".deleting-"  # an upload's file being deleted: emptied, kept by this name until its row is gone


def empty_for_deletion(files) -> list[Path]:
    """The first step of deleting an upload: each of its files (that exists) renamed
    `.deleting-<name>` and emptied, which gives its room back to the disk (the row's
    deletion needs a little of it) and leaves a mark that says the deletion was asked for,
    should the row outlive it (store.Store.finish_deletions). Renaming and truncating need
    no room themselves."""
    marks = []
    for f in files:
        f = Path(f)
        mark = f.with_name(DELETING + f.name)
        try:
            os.replace(f, mark)
        except FileNotFoundError:
            if not mark.exists():  # a deletion that stopped half-way has its mark already
                continue
        os.truncate(mark, 0)
        marks.append(mark)
    return marks


def deletion_marks(datasets_dir: Path) -> dict[str, list[Path]]:
    """dataset id -> the marks of its files being deleted."""
    out: dict[str, list[Path]] = {}
    if not Path(datasets_dir).exists():
        return out
    for f in Path(datasets_dir).iterdir():
        if f.name.startswith(DELETING):
            dataset_id = f.name[len(DELETING):].split(".", 1)[0]
            out.setdefault(dataset_id, []).append(f)
    return out


# --------------------------------------------------------------------------- downloads
DOWNLOAD_TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv; charset=utf-8"}
CSV_BATCH_ROWS = 65_536


def download(dataset_id: str, datasets_dir: Path, fmt: str = "parquet"):
    """(file name, content, media type): the dataset as the app stored it, what a run
    reads. content is the stored Parquet file (a Path), or bytes (a sample), or an iterator
    of bytes (a CSV, written batch by batch so a large table is never held whole). Numbers
    are written in full, so `plugins.tables.read_download` reads them back to the same value."""
    if fmt not in DOWNLOAD_TYPES:
        raise DatasetError(f"Unknown download format {fmt!r}; use parquet or csv.")
    name, media = tables.download_name(dataset_id, fmt), DOWNLOAD_TYPES[fmt]
    if is_sample(dataset_id):
        df = load_sample(dataset_id)
        if fmt == "csv":
            return name, df.to_csv(index=False).encode(), media
        import io

        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        return name, buf.getvalue(), media
    path = _safe_path(dataset_id, datasets_dir)
    if not path.exists():
        raise DatasetError(f"No dataset {dataset_id!r}.")
    if fmt == "parquet":
        return name, path, media
    return name, _csv_batches(path), media


def _csv_batches(path: Path):
    """The stored table as CSV, batch by batch. A column stored as whole numbers keeps
    writing whole numbers when it has gaps (age 29, not 29.0): the frame the models read
    holds it as floats with NaN, the CSV writes Arrow's integers and empty cells."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    first = True
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CSV_BATCH_ROWS):
        frame = plain_dtypes(batch.to_pandas(date_as_object=False))
        for f in batch.schema:
            if pa.types.is_integer(f.type) and frame[f.name].dtype.kind == "f":
                frame[f.name] = batch.column(f.name).to_pandas(integer_object_nulls=True)  # exact, any width
        yield frame.to_csv(index=False, header=first).encode()
        first = False
    if first:  # no rows: the header alone
        yield pq.read_schema(path).empty_table().to_pandas().to_csv(index=False).encode()
