"""Datasets: the bundled samples, profiling, and ingestion of a user's file.

Pure functions over files and frames; the SQLite store keeps the records. An ingested file
is validated, profiled and written as Parquet named by its content hash, atomically: on any
error nothing is left behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd


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
def _plain(v):
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _role(s: pd.Series, n_rows: int) -> str:
    non_null = s.dropna()
    unique = non_null.nunique()
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s):
        if (pd.api.types.is_integer_dtype(s) and n_rows >= 20 and unique == n_rows
                and non_null.is_monotonic_increasing and s.name and "id" in str(s.name).lower()):
            return "id"
        return "numeric"
    text = non_null.astype(str)
    if len(text) and unique == len(text) and n_rows >= 20 and text.str.len().mean() < 40:
        return "id"
    if len(text):
        parsed = pd.to_datetime(text.head(50), errors="coerce", format="mixed")
        if parsed.notna().mean() > 0.9 and text.head(50).str.contains(r"\d{2,4}[-/:]", regex=True).mean() > 0.9:
            return "datetime"
        if text.str.len().mean() > 40 and unique > 0.5 * len(text):
            return "text"
    return "categorical"


def suggest_target(df: pd.DataFrame) -> str | None:
    for c in df.columns:
        if str(c).lower() in ("target", "label", "class", "y"):
            return c
    return df.columns[-1] if len(df.columns) else None


def suggest_problem_type(df: pd.DataFrame, target: str | None) -> str:
    if not target or target not in df.columns:
        return "clustering"
    s = df[target].dropna()
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return "classification"
    integral = pd.api.types.is_integer_dtype(s) or bool(np.all(np.mod(s.to_numpy(dtype=float), 1) == 0))
    if integral and s.nunique() <= 20 and s.nunique() <= max(2, 0.05 * len(s)) or s.nunique() <= 2:
        return "classification"
    return "regression"


def profile(df: pd.DataFrame, target: str | None = None) -> dict:
    n = int(len(df))
    columns = []
    for name in df.columns:
        s = df[name]
        missing = int(s.isna().sum())
        col = {"name": str(name), "dtype": str(s.dtype), "role": _role(s, n), "missing": missing,
               "missing_pct": round(100.0 * missing / n, 2) if n else 0.0, "unique": int(s.nunique()),
               "sample_values": [_plain(v) for v in s.dropna().unique()[:5].tolist()]}
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.notna().any():
            col.update(min=_plain(s.min()), max=_plain(s.max()), mean=_plain(round(float(s.mean()), 6)))
        columns.append(col)
    suggested = target or suggest_target(df)
    return {"n_rows": n, "n_cols": int(df.shape[1]), "memory_bytes": int(df.memory_usage(deep=True).sum()),
            "columns": columns, "suggested_target": suggested,
            "suggested_problem_type": suggest_problem_type(df, suggested)}


def preview(df: pd.DataFrame, n: int = 20) -> dict:
    head = df.head(n)
    return {"columns": [str(c) for c in head.columns],
            "rows": [[_plain(v) for v in row] for row in head.itertuples(index=False, name=None)]}


# --------------------------------------------------------------------------- ingestion
FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}
MAX_COLUMNS = 2000


def _decode(raw: bytes) -> str:
    if b"\x00" in raw[:8192]:
        raise DatasetError("This file looks binary, not text; upload a CSV, TSV or Parquet file.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise DatasetError(f"The file is not UTF-8 text: byte {e.start} (line {line}) cannot be decoded. "
                           "Save it as UTF-8 and upload it again.") from None


def _parse_text(raw: bytes, fmt: str) -> pd.DataFrame:
    text = _decode(raw)
    if not text.strip():
        raise DatasetError("The file is empty.")
    delimiter = "\t" if fmt == "tsv" else None
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as e:
        raise DatasetError(f"The header cannot be read: {e}.") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise DatasetError("The first line (the header) is empty.")
    empty = [i + 1 for i, h in enumerate(header) if not h]
    if empty:
        raise DatasetError(f"Column {empty[0]} has no name in the header.")
    seen = set()
    for h in header:
        if h in seen:
            raise DatasetError(f"Column {h!r} appears twice in the header.")
        seen.add(h)
    if len(header) > MAX_COLUMNS:
        raise DatasetError(f"The file has {len(header):,} columns; at most {MAX_COLUMNS:,} are supported.")
    rows = 0
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows += 1
            if len(row) != len(header):
                raise DatasetError(f"Line {reader.line_num} has {len(row)} fields but the header has {len(header)}.")
    except csv.Error as e:
        raise DatasetError(f"Line {reader.line_num} cannot be parsed: {e}.") from None
    if rows == 0:
        raise DatasetError("The file has a header but no data rows.")
    df = pd.read_csv(io.StringIO(text), sep=delimiter, skip_blank_lines=True, low_memory=False)
    df.columns = header
    return df


def _parse_parquet(raw: bytes) -> pd.DataFrame:
    if not raw.startswith(b"PAR1"):
        raise DatasetError("This is not a Parquet file (it does not start with the Parquet signature).")
    try:
        df = pd.read_parquet(io.BytesIO(raw))
    except Exception as e:  # pyarrow raises several types for corrupt files
        raise DatasetError(f"The Parquet file cannot be read: {e}") from None
    if df.shape[1] == 0:
        raise DatasetError("The Parquet file has no columns.")
    if len(df) == 0:
        raise DatasetError("The Parquet file has no rows.")
    if df.columns.duplicated().any():
        raise DatasetError(f"Column {df.columns[df.columns.duplicated()][0]!r} appears twice.")
    return df


def ingest(raw: bytes, filename: str, dest_dir: Path, max_bytes: int) -> dict:
    filename = Path(filename or "upload.csv").name
    ext = Path(filename).suffix.lower()
    if ext not in FORMATS:
        raise DatasetError(f"Files ending in {ext or '(nothing)'} are not supported; upload CSV, TSV or Parquet.")
    if len(raw) == 0:
        raise DatasetError("The file is empty.")
    if len(raw) > max_bytes:
        raise DatasetError(f"The file is {len(raw) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB.")
    fmt = FORMATS[ext]
    df = _parse_parquet(raw) if fmt == "parquet" else _parse_text(raw, fmt)
    df.columns = [str(c) for c in df.columns]
    digest = hashlib.sha256(raw).hexdigest()
    dataset_id = "ds_" + digest[:12]
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target_path = dest_dir / f"{dataset_id}.parquet"
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=".upload-", suffix=".tmp")
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, target_path)
    except Exception as e:
        Path(tmp).unlink(missing_ok=True)
        raise DatasetError(f"The data cannot be stored as Parquet: {e}") from None
    prof = profile(df)
    return {"id": dataset_id, "name": Path(filename).stem, "filename": filename, "format": fmt,
            "content_hash": digest, "path": str(target_path), "n_rows": prof["n_rows"], "n_cols": prof["n_cols"],
            "size_bytes": len(raw), "profile": prof, "source": "upload",
            "problem_type": prof["suggested_problem_type"], "target": prof["suggested_target"]}


def load_parquet(path) -> pd.DataFrame:
    return pd.read_parquet(path)


def dataset_exists(dataset_id: str, datasets_dir: Path) -> bool:
    if is_sample(dataset_id):
        return True
    return _safe_path(dataset_id, datasets_dir).exists()


def _safe_path(dataset_id: str, datasets_dir: Path) -> Path:
    if not dataset_id or "/" in dataset_id or "\\" in dataset_id or dataset_id.startswith("."):
        raise DatasetError(f"No dataset {dataset_id!r}.")
    return Path(datasets_dir) / f"{dataset_id}.parquet"


def load_dataset(dataset_id: str, datasets_dir: Path) -> pd.DataFrame:
    if is_sample(dataset_id):
        return load_sample(dataset_id)
    path = _safe_path(dataset_id, datasets_dir)
    if not path.exists():
        raise DatasetError(f"No dataset {dataset_id!r}.")
    return load_parquet(path)


def delete_dataset_file(dataset_id: str, datasets_dir: Path) -> None:
    if not is_sample(dataset_id):
        _safe_path(dataset_id, datasets_dir).unlink(missing_ok=True)
