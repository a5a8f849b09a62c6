"""Google Forms' timestamps, as its export's first column writes them ('2024/01/05 3:04:05 PM
GMT+1'; 'GMT-5', 'GMT+5:30', 'GMT' alone). Found by an audit: such a column was kept as text,
then left out as an id, with no word said, so no date feature was made and no guard saw a
series in time. Every reader now reads them as the same times written in ISO 8601 with their
offset (playground_runtime.forms_times_iso), so by the rule of times with a UTC offset: read in
UTC, said (data.values.offset_notice): the app's reader, Score a file, the endpoint, predict.py
and JSON records alike. 'GMT' in prose, a time zone alone, a column writing its times two ways
and a clock no Forms export writes (13:04 PM, GMT+15) stay text, nothing said of them."""

from __future__ import annotations

import pandas as pd
import pytest

import playground_runtime
from data import ingest
from tests.test_exits_agree import dated_cars, deployed, scored_by_every_exit
from tests.test_exits_layout import app_read

T = pd.Timestamp

# {class: (the column as written, the times it holds in UTC, the offsets said (None: nothing said))}
READ = {
    "US, GMT+1": (["2024/01/05 3:04:05 PM GMT+1", "2024/01/12 11:14:59 AM GMT+1", "2024/02/13 12:00:00 AM GMT+1"],
                  [T("2024-01-05 14:04:05"), T("2024-01-12 10:14:59"), T("2024-02-12 23:00")], "GMT+1"),
    "New York, GMT-5": (["2024/01/05 9:30:00 AM GMT-5", "2024/01/06 11:59:59 PM GMT-5", "2024/01/07 12:30:00 PM GMT-5"],
                        [T("2024-01-05 14:30"), T("2024-01-07 04:59:59"), T("2024-01-07 17:30")], "GMT-5"),
    "India, GMT+5:30": (["2024/03/01 10:00:00 AM GMT+5:30", "2024/03/02 6:15:00 PM GMT+5:30", "2024/03/03 1:00:00 AM GMT+5:30"],
                        [T("2024-03-01 04:30"), T("2024-03-02 12:45"), T("2024-03-02 19:30")], "GMT+5:30"),
    "London in winter, GMT alone": (["2024/01/05 3:04:05 PM GMT", "2024/01/06 8:00:00 AM GMT", "2024/01/07 9:10:11 PM GMT"],
                                    [T("2024-01-05 15:04:05"), T("2024-01-06 08:00"), T("2024-01-07 21:10:11")], None),
    "summer time begins": (["2024/03/30 11:00:00 PM GMT+1", "2024/03/31 9:00:00 AM GMT+2", "2024/04/02 7:45:00 PM GMT+2"],
                           [T("2024-03-30 22:00"), T("2024-03-31 07:00"), T("2024-04-02 17:45")], "GMT+1, GMT+2"),
    "a 24-hour clock": (["2024/01/05 15:04:05 GMT+1", "2024/01/12 09:14:59 GMT+1", "2024/02/13 21:00:00 GMT+1"],
                        [T("2024-01-05 14:04:05"), T("2024-01-12 08:14:59"), T("2024-02-13 20:00")], "GMT+1"),
}

# near misses: the column as written, which stays text, nothing said of it
NOT_TIMES = {
    "GMT in prose": ["Call at 3:04 PM GMT+1 tomorrow", "Meeting moved to GMT+1 time", "Back 2024/01/05 GMT"],
    "a time zone alone": ["GMT+1", "GMT-5", "GMT"],
    "two ways": ["2024/01/05 3:04:05 PM GMT+1", "2024-01-12 11:14:59", "2024/02/13 9:00:00 PM GMT+1"],
    "no Forms clock": ["2024/01/05 13:04:05 PM GMT+1", "2024/01/12 11:14:59 AM GMT+1", "2024/02/13 9:00:00 PM GMT+1"],
    "an offset no zone has": ["2024/01/05 3:04:05 PM GMT+15", "2024/01/12 11:14:59 AM GMT+1", "2024/02/13 9:00:00 PM GMT+1"],
    "no offset": ["2024/01/05 3:04:05 PM", "2024/01/12 11:14:59 AM", "2024/02/13 9:00:00 PM"],
}


def uploaded(tmp_path, values: list[str]) -> tuple:
    """The column `Timestamp` of a Forms export holding `values`, as an upload reads it: (its
    values, its role in the profile, the sentences said of it)."""
    path = tmp_path / "Form responses 1.csv"
    pd.DataFrame({"Timestamp": values, "How satisfied are you?": [4, 5, 3]}).to_csv(path, index=False)
    record = ingest.ingest_path(path, path.name, tmp_path, ingest.Limits(max_bytes=1 << 24))
    frame = pd.read_parquet(record["tmp_path"])
    role = next(c["role"] for c in record["profile"]["columns"] if c["name"] == "Timestamp")
    return frame["Timestamp"], role, [n["text"] for n in record["notices"]]


def utc(got: pd.Series) -> list:
    return list(got.dt.tz_convert("UTC").dt.tz_localize(None))


@pytest.mark.parametrize("case", sorted(READ))
def test_google_forms_times_are_read_as_times_in_utc_by_the_upload_said(tmp_path, case):
    written, times, offsets = READ[case]
    got, role, said = uploaded(tmp_path, written)
    assert pd.api.types.is_datetime64_any_dtype(got), (got.tolist(), said)
    assert role == "datetime", role
    assert utc(got) == times
    mine = [s for s in said if s.startswith("Timestamp:")]
    if offsets:
        assert mine == [f"Timestamp: times with a UTC offset ({offsets}) read in UTC: '{written[0]}' → "
                        f"{times[0]:%Y-%m-%d %H:%M}; date parts are taken in UTC."], said
    else:
        assert mine == [], said


@pytest.mark.parametrize("case", sorted(NOT_TIMES))
def test_near_misses_of_google_forms_times_stay_text(tmp_path, case):
    written = NOT_TIMES[case]
    got, role, said = uploaded(tmp_path, written)
    assert not pd.api.types.is_datetime64_any_dtype(got)
    assert list(got) == written
    assert not any("UTC" in s for s in said), said


FEATURES = [{"name": "Timestamp", "type": "datetime", "dtype": "datetime64[us, UTC]"},
            {"name": "x", "type": "numeric", "dtype": "float64"}]


@pytest.mark.parametrize("case", sorted(READ))
def test_rows_to_score_written_by_google_forms_are_the_same_times_in_every_reader(tmp_path, case):
    """predict.py and JSON records read rows as text by playground_runtime; Score a file and a CSV
    body read them as an upload is: the same instants, equal to the rows written in ISO 8601."""
    written, times, _ = READ[case]
    rows = pd.DataFrame({"Timestamp": written, "x": [1.5, 2.5, 3.5]})
    as_text = playground_runtime.prepare_rows(rows, FEATURES)["Timestamp"]
    assert pd.api.types.is_datetime64_any_dtype(as_text), as_text
    assert utc(as_text) == times
    path = tmp_path / "score.csv"
    rows.to_csv(path, index=False)
    frame, _ = app_read(path)
    assert utc(playground_runtime.prepare_rows(frame, FEATURES)["Timestamp"]) == times


@pytest.mark.parametrize("case", sorted(NOT_TIMES))
def test_rows_to_score_that_are_no_forms_times_are_refused_as_dates(case):
    rows = pd.DataFrame({"Timestamp": NOT_TIMES[case], "x": [1.5, 2.5, 3.5]})
    with pytest.raises(playground_runtime.ColumnsError, match="'Timestamp' should hold dates"):
        playground_runtime.prepare_rows(rows, FEATURES)


@pytest.mark.usefixtures("consumer")
def test_a_model_trained_on_a_forms_export_scores_rows_written_so_alike_in_every_exit(web, tmp_path):
    """A regression trained on a file whose `bought` times Google Forms wrote: rows written so get
    in every exit what the same rows written in ISO 8601 with their offset get."""
    trained = dated_cars(200, 3, "%Y/%m/%d %I:%M:%S %p GMT+1")
    trained["bought"] = trained["bought"].str.replace(r"/0(\d) ", r"/\1 ", regex=True)
    up, job_id, bundle, key, folder = deployed(web, tmp_path, trained, "cars-forms")
    assert any("GMT+1" in n["text"] and "read in UTC" in n["text"] for n in up["notices"]), up["notices"]
    model = (job_id, bundle, key, folder)
    rows = dated_cars(8, 11, "%Y/%m/%d %I:%M:%S %p GMT+1").drop(columns="mpg")
    iso = rows.assign(bought=pd.to_datetime(rows["bought"].str.removesuffix(" GMT+1"),
                                            format="%Y/%m/%d %I:%M:%S %p").dt.strftime("%Y-%m-%dT%H:%M:%S+01:00"))
    want = scored_by_every_exit(web, model, "iso.csv", iso, "cars-forms")
    got = scored_by_every_exit(web, model, "forms.csv", rows, "cars-forms")
    for exit, (out, said) in got.items():
        assert out is not None, (exit, said)
        assert out == want[exit][0], (exit, said)
    assert len({tuple(out) for out, _ in got.values()}) == 1, got
