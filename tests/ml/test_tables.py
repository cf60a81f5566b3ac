"""Tests for ml.tables: reading uploads, choosing label/score columns, building datasets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.tables import (
    MAX_UPLOAD_MB,
    NonFiniteScores,
    ScoreTable,
    Table,
    column_kinds,
    csv_bytes,
    default_positive,
    feature_candidates,
    label_candidates,
    label_values,
    prepare_scores,
    read_table,
    score_candidates,
    to_dataset,
)


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def _raises(data: bytes, *words: str, filename: str = "upload.csv") -> str:
    with pytest.raises(ValueError) as info:
        read_table(data, filename)
    msg = str(info.value)
    for w in words:
        assert w.lower() in msg.lower(), (w, msg)
    return msg


# ---------------------------------------------------------------------------------------------
# read_table: good files
# ---------------------------------------------------------------------------------------------


def test_reads_plain_csv_with_hash_and_no_notes():
    data = b"label,score\n1,0.9\n0,0.2\n1,0.7\n"
    table = read_table(data)
    assert isinstance(table, Table)
    assert list(table.df.columns) == ["label", "score"]
    assert table.df["score"].tolist() == [0.9, 0.2, 0.7]
    assert table.notes == []
    assert len(table.sha256) == 64
    assert read_table(data).sha256 == table.sha256
    assert read_table(data.replace(b"0.2", b"0.3")).sha256 != table.sha256


def test_reads_utf8_with_bom_without_a_note():
    table = read_table("name,score\nJosé,0.5\nZoë,0.2\n".encode("utf-8-sig"))
    assert list(table.df.columns) == ["name", "score"]
    assert table.df["name"].tolist() == ["José", "Zoë"]
    assert table.notes == []


def test_latin1_file_is_read_with_a_note():
    table = read_table("name,score\nJosé,0.5\nRené,0.2\n".encode("latin-1"))
    assert table.df["name"].tolist() == ["José", "René"]
    assert any("Latin-1" in n and "UTF-8" in n for n in table.notes)


def test_utf16_file_from_excel_unicode_text_is_converted():
    table = read_table("label\tscore\n1\t0.5\n0\t0.2\n".encode("utf-16"))
    assert table.df.shape == (2, 2)
    assert any("UTF-16" in n for n in table.notes)


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"label;score\n1;0.5\n0;0.25\n", "semicolons"),
        (b"label\tscore\n1\t0.5\n0\t0.25\n", "tabs"),
        (b"label|score\n1|0.5\n0|0.25\n", "|"),
        (b"label  score\n1  0.5\n0  0.25\n", "spaces"),
    ],
)
def test_other_separators_are_sniffed(data, word):
    table = read_table(data)
    assert list(table.df.columns) == ["label", "score"]
    assert table.df["score"].tolist() == [0.5, 0.25]
    assert any(word in n for n in table.notes)


def test_semicolon_file_with_decimal_commas():
    table = read_table(b"label;score\nsignal;0,5\nbackground;0,25\n")
    assert table.df["score"].tolist() == [0.5, 0.25]
    assert any("decimal commas" in n for n in table.notes)


def test_comma_inside_quoted_value_is_not_a_separator():
    table = read_table(b'name,score\n"Smith, J",0.5\n"Doe, A",0.1\n')
    assert table.df["name"].tolist() == ["Smith, J", "Doe, A"]


def test_skyserver_comment_line_is_skipped():
    table = read_table(b"#Table1\nobjid,u,g,r,i,z\n1,19.1,18.2,17.9,17.5,17.4\n2,20.1,19.2,18.9,18.5,18.4\n")
    assert list(table.df.columns) == ["objid", "u", "g", "r", "i", "z"]
    assert len(table.df) == 2
    assert any("comment" in n for n in table.notes)


def test_numpy_savetxt_style_header_is_used():
    table = read_table(b"# label,score\n1,0.5\n0,0.2\n")
    assert list(table.df.columns) == ["label", "score"]
    assert len(table.df) == 2


def test_spaces_after_commas_are_trimmed():
    table = read_table(b"score, label\n0.5, signal\n0.2, background\n")
    assert list(table.df.columns) == ["score", "label"]
    assert table.df["label"].tolist() == ["signal", "background"]


def test_trailing_separator_and_blank_rows_are_dropped():
    table = read_table(b"a,b,\n1,2,\n,,\n3,4,\n")
    assert list(table.df.columns) == ["a", "b"]
    assert len(table.df) == 2
    assert len(table.notes) == 2


def test_pandas_index_column_gets_a_name():
    table = read_table(b",a,b\n0,1,2\n1,3,4\n")
    assert list(table.df.columns) == ["Unnamed: 0", "a", "b"]


def test_short_rows_are_padded_with_a_note():
    table = read_table(b"a,b,c\n1,2,3\n4,5\n")
    assert table.df.shape == (2, 3)
    assert np.isnan(table.df["c"].iloc[1])
    assert any("fewer values" in n for n in table.notes)


def test_csv_bytes_round_trip():
    df = pd.DataFrame({"label": ["signal", "background"], "score": [0.5, 0.25]})
    back = read_table(csv_bytes(df)).df
    pd.testing.assert_frame_equal(back, df, check_dtype=False)
    assert not csv_bytes(df).startswith(b",")  # no index column


# ---------------------------------------------------------------------------------------------
# read_table: bad files
# ---------------------------------------------------------------------------------------------


def test_empty_file():
    _raises(b"", "empty", "0 bytes")


def test_whitespace_only_file():
    _raises(b"  \n\r\n\t\n", "empty", "blank")


def test_binary_file_with_nul_bytes():
    _raises(b"label,score\x00\x01\x02\x00\xff" * 10, "binary", "CSV")


def test_xlsx_magic():
    _raises(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 30 + b"[Content_Types].xml", "Excel", "CSV")


def test_bare_zip_magic_still_mentions_excel():
    _raises(b"PK\x03\x04" + b"\x00" * 30, "Excel", "zip")


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "Excel"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "gzip"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
        (b"PAR1\x15\x04\x15" + b"\x00" * 20, "Parquet"),
        (b"SIMPLE  =                    T / conforms to FITS", "FITS"),
    ],
)
def test_other_binary_formats(data, word):
    _raises(data, word, "CSV")


def test_too_large_file(monkeypatch):
    monkeypatch.setattr("ml.tables.MAX_UPLOAD_MB", 1)
    _raises(b"a,b\n" + b"1,2\n" * 300_000, "limit", "MB")
    assert MAX_UPLOAD_MB == 200


def test_header_but_no_rows():
    _raises(b"label,score\n", "header", "no data rows")


def test_no_header_row():
    _raises(b"1,0.5\n0,0.2\n1,0.9\n", "header", "looks like data", "label,score")


def test_duplicate_column_names_are_named():
    msg = _raises(
        b"label,score,score,x,x,x\n1,2,3,4,5,6\n", "duplicate", '"score" (2 times)', '"x" (3 times)'
    )
    assert '"label"' not in msg


def test_single_column_is_refused():
    _raises(b"score\n0.5\n0.2\n", "one column", "commas")


def test_single_column_with_unknown_separator():
    _raises(b"label:score\n1:0.5\n0:0.2\n", "one column", "label:score")


def test_ragged_row_names_the_line():
    _raises(b"a,b,c\n1,2,3\n4,5,6\n7,8,9,10\n", "line 4", "4 values", "3 columns", "quotes")


def test_unclosed_quote():
    _raises(b'a,b\n1,"x\n2,3\n4,5\n', "quote", "never closed")


# ---------------------------------------------------------------------------------------------
# Column roles
# ---------------------------------------------------------------------------------------------


def test_column_kinds():
    df = pd.DataFrame(
        {
            "n": [1.0, 2.5, 3.0, 4.0],
            "b": [True, False, True, False],
            "bs": ["true", "False", "TRUE", None],
            "ns": ["0.5", " 1", "2e3", None],
            "c": ["a", "b", "a", "b"],
        }
    )
    df["t"] = [f"some long text {i}" for i in range(4)]
    kinds = column_kinds(df)
    assert kinds == {
        "n": "numeric",
        "b": "boolean",
        "bs": "boolean",
        "ns": "numeric",
        "c": "categorical",
        "t": "categorical",
    }
    many = pd.DataFrame({"t": [f"name {i}" for i in range(100)]})
    assert column_kinds(many) == {"t": "text"}


def test_label_and_score_candidates():
    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "is_signal": rng.integers(0, 2, n),
            "bdt_score": rng.random(n),
            "kind": rng.choice(["a", "b", "c"], n),
            "name": [f"obj{i}" for i in range(n)],
        }
    )
    labels = label_candidates(df)
    assert labels[0] == "is_signal"
    assert "kind" in labels
    assert not {"id", "x", "bdt_score", "name"} & set(labels)
    scores = score_candidates(df, "is_signal")
    assert scores[0] == "bdt_score"
    assert "is_signal" not in scores and "kind" not in scores and "name" not in scores
    assert scores[-1] == "id"


def test_no_column_usable_as_label():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"a": rng.normal(size=100), "b": rng.random(100), "c": 1})
    assert label_candidates(df) == []
    with pytest.raises(ValueError, match="different values") as info:
        prepare_scores(df, "a", ["b"])
    assert "label" in str(info.value) and "another column" in str(info.value)


def test_label_values_and_default_positive():
    assert label_values(pd.Series([1, 0, 1, None])) == [0, 1]
    assert label_values(pd.Series(["s", "b", "s"])) == ["b", "s"]
    assert default_positive([0, 1]) == 1
    assert default_positive([-1, 1]) == 1
    assert default_positive([False, True]) is True
    assert default_positive(["0", "1"]) == "1"
    assert default_positive(["background", "signal"]) == "signal"
    assert default_positive(["jet", "photon"]) == "photon"
    assert default_positive(["b", "s"]) == "s"
    assert default_positive(["negative", "positive"]) == "positive"
    assert default_positive(["No", "Yes"]) == "Yes"
    assert default_positive(["cat", "dog", "emu"]) == "emu"
    assert default_positive([1, 2]) == 2


# ---------------------------------------------------------------------------------------------
# prepare_scores
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "positive"),
    [
        ([1, 0, 1, 0], 1),
        ([True, False, True, False], True),
        (["signal", "background", "signal", "background"], "signal"),
        ([1, -1, 1, -1], 1),
    ],
)
def test_label_types(labels, positive):
    df = pd.DataFrame({"label": labels, "score": [0.9, 0.1, 0.8, 0.3]})
    st = prepare_scores(df, "label", ["score"])
    assert isinstance(st, ScoreTable)
    assert st.positive == positive
    assert st.y.dtype == bool and st.y.tolist() == [True, False, True, False]
    assert st.scores["score"].dtype == np.float64
    assert len(st.classes) == 2 and st.n_dropped == 0
    assert list(st.labels) == labels


def test_explicit_positive_and_text_from_url():
    df = pd.DataFrame({"label": [1, -1, 1, -1], "score": [0.9, 0.1, 0.8, 0.3]})
    assert prepare_scores(df, "label", ["score"], positive=-1).y.tolist() == [False, True, False, True]
    assert prepare_scores(df, "label", ["score"], positive="-1").positive == -1
    with pytest.raises(ValueError, match="not among") as info:
        prepare_scores(df, "label", ["score"], positive="signal")
    assert "-1, 1" in str(info.value)


def test_multiclass_one_vs_rest():
    df = pd.DataFrame({"label": ["a", "b", "c", "a"], "s": [1, 2, 3, 4]})
    st = prepare_scores(df, "label", ["s"], positive="b")
    assert st.y.tolist() == [False, True, False, False]
    assert st.classes == ["a", "b", "c"]
    assert any("one-vs-rest" in n for n in st.notes)


def test_scores_as_text_and_booleans_are_accepted():
    df = pd.DataFrame({"label": [1, 0, 1], "s": ["0.5", " 0.2", "1e-3"], "flag": [True, False, False]})
    st = prepare_scores(df, "label", ["s", "flag"])
    assert st.scores["s"].tolist() == [0.5, 0.2, 0.001]
    assert st.scores["flag"].tolist() == [1.0, 0.0, 0.0]


def test_non_numeric_scores():
    df = pd.DataFrame({"label": [1, 0, 1, 0, 1], "bdt": ["0.5", "high", "low", "high", "?"]})
    with pytest.raises(ValueError) as info:
        prepare_scores(df, "label", ["bdt"])
    msg = str(info.value)
    assert "not numbers" in msg and '"bdt"' in msg and "4 of 5" in msg
    assert '"high"' in msg and '"low"' in msg and '"?"' in msg
    assert not isinstance(info.value, NonFiniteScores)


def test_decimal_comma_scores_get_a_hint():
    df = pd.DataFrame({"label": [1, 0], "s": ["0,5", "0,2"]})
    with pytest.raises(ValueError, match="decimal commas"):
        prepare_scores(df, "label", ["s"])


def test_nan_and_inf_scores():
    df = pd.DataFrame(
        {
            "label": [1, 0, 1, 0, 1, 0],
            "s": [0.9, np.nan, 0.8, np.inf, 0.7, 0.1],
            "t": [0.1, 0.2, -np.inf, np.nan, 0.5, 0.6],
        }
    )
    with pytest.raises(NonFiniteScores) as info:
        prepare_scores(df, "label", ["s", "t"])
    err = info.value
    assert isinstance(err, ValueError)
    assert err.n_rows == 3
    assert err.columns == {"s": 2, "t": 2}
    assert "NaN" in str(err) and "infinite" in str(err)

    st = prepare_scores(df, "label", ["s", "t"], drop_nonfinite=True)
    assert st.n_dropped == 3
    assert st.y.tolist() == [True, True, False]
    assert st.scores["s"].tolist() == [0.9, 0.7, 0.1]
    assert st.labels.tolist() == [1, 1, 0]
    assert any("Dropped 3" in n for n in st.notes)


def test_dropping_nonfinite_can_leave_one_class():
    df = pd.DataFrame({"label": [1, 1, 0], "s": [0.9, 0.8, np.nan]})
    with pytest.raises(ValueError, match="both positive and negative") as info:
        prepare_scores(df, "label", ["s"], drop_nonfinite=True)
    assert not isinstance(info.value, NonFiniteScores)


def test_label_problems():
    df = pd.DataFrame({"label": [1, None, 0, None], "s": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(ValueError, match="NaN") as info:
        prepare_scores(df, "label", ["s"])
    assert "2 of 4" in str(info.value) and "drop" in str(info.value)
    with pytest.raises(ValueError, match="no column"):
        prepare_scores(df, "truth", ["s"])
    with pytest.raises(ValueError, match="No score column"):
        prepare_scores(df, "label", [])
    with pytest.raises(ValueError, match="no column"):
        prepare_scores(df, "s", ["nope"])
    with pytest.raises(ValueError, match="both as the label and as a score"):
        prepare_scores(df, "s", ["s"])


def test_single_class_label():
    df = pd.DataFrame({"label": ["signal"] * 500, "s": np.linspace(0, 1, 500)})
    with pytest.raises(ValueError) as info:
        prepare_scores(df, "label", ["s"])
    msg = str(info.value)
    assert "500 rows" in msg and "'signal'" in msg and "positive and negative" in msg


def test_many_valued_label():
    df = pd.DataFrame({"label": np.linspace(0, 1, 300), "s": np.linspace(0, 1, 300)})
    with pytest.raises(ValueError) as info:
        prepare_scores(df, "label", ["s"])
    msg = str(info.value)
    assert "300 different values" in msg and "continuous" in msg and "another column" in msg


# ---------------------------------------------------------------------------------------------
# A million rows
# ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_million_rows():
    rng = np.random.default_rng(42)
    block = 10_000
    y = rng.integers(0, 2, block)
    score = rng.normal(size=block) + y
    other = rng.random(block)
    lines = "".join(f"{a},{b:.6f},{c:.6f}\n" for a, b, c in zip(y, score, other, strict=True)).encode()
    data = b"label,score,other\n" + lines * 100  # 1,000,000 rows, ~20 MB
    assert len(data) > 15_000_000

    table = read_table(data)
    assert table.df.shape == (1_000_000, 3)
    assert table.df["score"].dtype == np.float64
    assert label_candidates(table.df) == ["label"]
    assert score_candidates(table.df, "label") == ["score", "other"]
    st = prepare_scores(table.df, "label", ["score", "other"])
    assert st.y.shape == (1_000_000,)
    assert st.y.sum() == y.sum() * 100
    assert st.scores["score"][:3] == pytest.approx(np.round(score[:3], 6))


# ---------------------------------------------------------------------------------------------
# to_dataset
# ---------------------------------------------------------------------------------------------


def _sdss(n=80, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "objid": np.arange(n) + 1237648720693755918,
            "ra": rng.uniform(0, 360, n),
            "dec": rng.uniform(-10, 60, n),
            **{b: rng.normal(18, 1, n) for b in "ugriz"},
            "class": rng.choice(["STAR", "GALAXY", "QSO"], n),
            "redshift": rng.random(n),
        }
    )
    return df


def test_sdss_table_gets_colours_and_extra():
    df = _sdss()
    ds = to_dataset(df, "class")
    assert ds.feature_names == ["u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z"]
    np.testing.assert_allclose(ds.X["g-r"], df["g"] - df["r"])
    assert ds.task == "multiclass"
    assert ds.class_names == ("GALAXY", "QSO", "STAR")
    assert ds.y.tolist()[:5] == [{"GALAXY": 0, "QSO": 1, "STAR": 2}[c] for c in df["class"][:5]]
    assert "redshift" in ds.extra.columns and "redshift" not in ds.feature_names
    assert "SDSS ugriz" in ds.description and "80 rows" in ds.description
    assert ds.source == "uploaded file" and ds.simulated is False

    reg = to_dataset(df, "redshift")
    assert reg.task == "regression"
    assert "class" in reg.extra.columns and "class" not in reg.feature_names

    chosen = to_dataset(df, "class", features=["u-g", "g-r"])
    assert chosen.feature_names == ["u-g", "g-r"]


def test_sdss_missing_magnitude_placeholder():
    df = _sdss()
    df.loc[3, "u"] = -9999.0
    with pytest.raises(ValueError, match="missing"):
        to_dataset(df, "class")
    ds = to_dataset(df, "class", missing="drop")
    assert ds.n_samples == 79
    assert "-9999" in ds.description
    assert len(ds.extra) == 79


def _mixed(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "colour": rng.choice(["red", "blue", "green"], n),
            "y": rng.integers(0, 2, n),
        }
    )


def test_non_numeric_features():
    df = _mixed()
    with pytest.raises(ValueError) as info:
        to_dataset(df, "y")
    msg = str(info.value)
    assert '"colour"' in msg and "drop" in msg and "onehot" in msg

    dropped = to_dataset(df, "y", non_numeric="drop")
    assert dropped.feature_names == ["x"]

    hot = to_dataset(df, "y", non_numeric="onehot")  # the categories stay; the model's pipeline encodes them
    assert hot.feature_names == ["x", "colour"]
    assert hot.X["x"].dtype == "float64" and list(hot.X["colour"]) == list(df["colour"])
    assert hot.task == "binary" and hot.class_names == ("0", "1")
    assert "one-hot" in hot.description and "training rows only" in hot.description


def test_onehot_refuses_many_categories():
    df = _mixed()
    df["name"] = [f"obj{i}" for i in range(len(df))]
    with pytest.raises(ValueError, match="too many to one-hot"):
        to_dataset(df, "y", features=["x", "name"], non_numeric="onehot")


def test_missing_values():
    df = _mixed()
    df.loc[[1, 2], "x"] = np.nan
    df.loc[5, "colour"] = None
    with pytest.raises(ValueError) as info:
        to_dataset(df, "y", non_numeric="onehot")
    msg = str(info.value)
    assert "3 of 60 rows" in msg and "drop" in msg and "impute" in msg

    dropped = to_dataset(df, "y", non_numeric="onehot", missing="drop")
    assert dropped.n_samples == 57 and not dropped.X.isna().any().any()

    imputed = to_dataset(df, "y", non_numeric="onehot", missing="impute")  # gaps kept for the pipeline
    assert imputed.n_samples == 60
    assert imputed.X["x"].isna().sum() == 2 and imputed.X["colour"].isna().sum() == 1
    assert "training rows only" in imputed.description

    df["empty"] = np.nan
    with pytest.raises(ValueError, match="no values at all"):
        to_dataset(df, "y", features=["x", "empty"], missing="impute")


def test_missing_target_is_dropped_not_imputed():
    df = _mixed()[["x", "y"]].astype({"y": float})
    df.loc[0, "y"] = np.nan
    ds = to_dataset(df, "y", missing="impute")
    assert ds.n_samples == 59


def test_infinite_target_counts_as_missing():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x": rng.normal(size=60), "y": rng.normal(size=60)})
    df.loc[[3, 7], "y"] = [np.inf, -np.inf]
    ds = to_dataset(df, "y", missing="drop")
    assert ds.n_samples == 58 and np.isfinite(ds.y).all()
    assert "infinite target" in ds.description  # the notes are part of the description the page shows


def test_task_inference_and_options():
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n)
    assert to_dataset(pd.DataFrame({"x": x, "t": rng.normal(size=n)}), "t").task == "regression"
    assert to_dataset(pd.DataFrame({"x": x, "t": rng.integers(0, 4, n)}), "t").task == "multiclass"
    assert to_dataset(pd.DataFrame({"x": x, "t": rng.integers(0, 2, n) == 1}), "t").class_names == (
        "False",
        "True",
    )
    ds = to_dataset(pd.DataFrame({"x": x, "t": rng.integers(0, 2, n)}), "t", task="multiclass")
    assert ds.task == "binary"
    with pytest.raises(ValueError, match="exactly two"):
        to_dataset(pd.DataFrame({"x": x, "t": rng.integers(0, 4, n)}), "t", task="binary")
    with pytest.raises(ValueError, match="task"):
        to_dataset(pd.DataFrame({"x": x, "t": x}), "t", task="clustering")
    with pytest.raises(ValueError, match="missing"):
        to_dataset(pd.DataFrame({"x": x, "t": x}), "t", missing="ignore")


@pytest.mark.parametrize(
    ("target", "kwargs", "words"),
    [
        ("t", {"task": "regression"}, ("not numbers", "classification")),
        ("const", {"task": "regression"}, ("same target value",)),
        ("one", {}, ("at least two classes",)),
        ("names", {}, ("too many", "regression")),
        ("nope", {}, ("no column",)),
    ],
)
def test_bad_targets(target, kwargs, words):
    rng = np.random.default_rng(4)
    n = 60
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "t": rng.choice(["a", "b"], n),
            "const": 3.0,
            "one": "a",
            "names": [f"n{i}" for i in range(n)],
        }
    )
    with pytest.raises(ValueError) as info:
        to_dataset(df, target, features=["x"], **kwargs)
    for w in words:
        assert w in str(info.value), (w, str(info.value))


def test_bad_feature_lists_and_too_few_rows():
    df = _mixed()
    with pytest.raises(ValueError, match="No feature"):
        to_dataset(df, "y", features=[])
    with pytest.raises(ValueError, match="also among the features"):
        to_dataset(df, "y", features=["x", "y"])
    with pytest.raises(ValueError, match="no column"):
        to_dataset(df, "y", features=["x", "nope"])
    with pytest.raises(ValueError, match="at least 10"):
        to_dataset(df.head(5), "y", features=["x"])


def test_feature_candidates():
    df = _mixed()
    df["id"] = np.arange(len(df))
    df["note"] = [f"free text {i}" for i in range(len(df))]
    assert feature_candidates(df, "y") == ["x", "colour"]
    sdss = feature_candidates(_sdss(), "class")
    assert sdss[-4:] == ["u-g", "g-r", "r-i", "i-z"] and "objid" not in sdss


def test_dataset_from_uploaded_bytes():
    df = _sdss()
    ds = to_dataset(read_table(csv_bytes(df)).df, "class", name="my sdss")
    assert ds.name == "my sdss" and ds.n_samples == 80 and ds.X.dtypes.eq("float64").all()


def test_old_mac_line_endings():
    table = read_table(b"label,score\r1,0.5\r0,0.2\r")
    assert table.df.shape == (2, 2)


@pytest.mark.slow
def test_very_wide_header():
    names = [f"feature_{i:05d}" for i in range(8000)]  # a header line longer than the sniffed sample
    data = (",".join(names) + "\n" + ",".join("1" for _ in names) + "\n").encode()
    assert len(data) > 100_000
    table = read_table(data)
    assert table.df.shape == (1, 8000)


def test_non_finite_scores_error_survives_pickling():
    import pickle

    err = NonFiniteScores("3 rows", n_rows=3, columns={"s": 3})
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.n_rows, back.columns) == ("3 rows", 3, {"s": 3})


def test_score_column_given_as_a_string():
    df = pd.DataFrame({"label": [1, 0], "score": [0.9, 0.1]})
    assert list(prepare_scores(df, "label", "score").scores) == ["score"]


# ---------------------------------------------------------------------------------------------
# read_table sources: a path, bytes, or a file-like object
# ---------------------------------------------------------------------------------------------


def test_read_table_takes_a_path_bytes_or_a_file(tmp_path):
    import io

    data = b"label,score\nsignal,0.5\nbackground,0.2\n"
    path = tmp_path / "scores.csv"
    path.write_bytes(data)
    expected = read_table(data)
    for source in (path, str(path), io.BytesIO(data), io.StringIO(data.decode()), bytearray(data)):
        table = read_table(source)
        pd.testing.assert_frame_equal(table.df, expected.df)
        assert table.sha256 == expected.sha256
    with open(path, "rb") as fh:
        assert read_table(fh).df.equals(expected.df)
    with open(path, encoding="utf-8") as fh:
        assert read_table(fh).df.equals(expected.df)


def test_read_table_names_the_file_from_the_path_or_the_object(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match='"empty.csv" is empty'):
        read_table(path)
    with open(path, "rb") as fh, pytest.raises(ValueError, match='"empty.csv" is empty'):
        read_table(fh)
    with pytest.raises(ValueError, match='"mine.csv" is empty'):
        read_table(path, "mine.csv")


def test_read_table_bad_sources_say_what_to_pass(tmp_path):
    with pytest.raises(ValueError, match="There is no file"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(ValueError, match="is a folder"):
        read_table(tmp_path)
    with pytest.raises(ValueError, match="looks like the table itself"):
        read_table("label,score\n1,0.5\n")
    with pytest.raises(ValueError, match="Expected a path"):
        read_table(12345)


# ---------------------------------------------------------------------------------------------
# Preprocessing is learned on training rows only
# ---------------------------------------------------------------------------------------------


def test_held_out_rows_do_not_change_what_is_learned():
    from ml.evaluation import split
    from ml.models import fit_model, make_pipeline

    df = _mixed(n=80)
    df.loc[[1, 2, 40], "x"] = np.nan
    df.loc[5, "colour"] = None
    ds = to_dataset(df, "y", non_numeric="onehot", missing="impute")
    X_train, X_test, y_train, _ = split(ds.X, ds.y, "binary", 0.25, 0)
    runs = []
    for extreme in (-1e6, 1e6):
        X_test = X_test.copy()
        X_test.iloc[0, X_test.columns.get_loc("x")] = extreme  # a held-out value far from everything
        X_test.iloc[1, X_test.columns.get_loc("colour")] = f"only-in-test-{extreme}"
        X_all = pd.concat([X_train, X_test])
        # the pipeline is built from the whole table (as a page does), but fitted on the training rows
        pipe = fit_model(make_pipeline("logistic", "classification", X=X_all), X_train, y_train)
        runs.append(pipe)
        assert pipe.predict(X_test).shape == (len(X_test),)  # an unseen category encodes as zeros
    a, b = (r.named_steps["prep"] for r in runs)
    medians_a, medians_b = (p.named_transformers_["impute"].statistics_ for p in (a, b))
    np.testing.assert_array_equal(medians_a, medians_b)
    cats_a = a.named_transformers_["onehot"].named_steps["encode"].categories_
    cats_b = b.named_transformers_["onehot"].named_steps["encode"].categories_
    assert [list(map(str, c)) for c in cats_a] == [list(map(str, c)) for c in cats_b]
    assert not any("only-in-test" in str(v) for c in cats_a for v in c)
    assert a.named_transformers_["impute"].statistics_[0] == pytest.approx(X_train["x"].median())
    np.testing.assert_array_equal(runs[0][-1].coef_, runs[1][-1].coef_)


def test_pipeline_keeps_its_two_step_shape_for_clean_numbers():
    from ml.models import make_pipeline, model_feature_names

    df = _mixed()
    clean = to_dataset(df, "y", non_numeric="drop")
    pipe = make_pipeline("logistic", "classification", X=clean.X)
    assert list(pipe.named_steps) == ["scale", "model"]
    hot = to_dataset(df, "y", non_numeric="onehot")
    pipe = make_pipeline("logistic", "classification", X=hot.X).fit(hot.X, hot.y)
    assert list(pipe.named_steps) == ["prep", "scale", "model"]
    assert model_feature_names(pipe, hot.X) == ["x", "colour_blue", "colour_green", "colour_red"]


# -- reading with progress (issue 10: a big upload shows how far the read has got) -----------------------
def _big(n: int = 60_000) -> bytes:
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=n).round(4), "b": rng.integers(0, 9, n), "label": rng.choice(["x", "y"], n)})
    return df.to_csv(index=False).encode()


@pytest.mark.parametrize(
    "data",
    [
        _big(),  # pyarrow
        _big().replace(b",", b";").replace(b".", b","),  # semicolons and decimal commas
        _big() + b'1,2,"unclosed\n',  # an odd number of quotes: the C parser, and its message
        _big().replace(b",", b" "),  # whitespace-separated: the C parser
        b"# comment\nlabel,score\n" + b"a,1\nb,2\n" * 30_000 + b",\n,\n",  # comment, blank rows dropped
    ],
    ids=["comma", "decimal-comma", "odd-quote", "spaces", "comment"],
)
def test_progress_reports_without_changing_the_table(data):
    def read(progress=None):
        try:
            return read_table(data, "big.csv", progress=progress)
        except ValueError as exc:
            return str(exc)

    seen = []
    plain, counted = read(), read(seen.append)
    if isinstance(plain, str):
        assert plain == counted  # the same message
        return
    pd.testing.assert_frame_equal(plain.df, counted.df)
    assert plain.notes == counted.notes and plain.sha256 == counted.sha256
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    parsing = [p for p in seen if p.phase == "parsing"]
    assert len(parsing) >= 2 and parsing[-1].bytes_done == parsing[-1].bytes_total
    assert abs(parsing[-1].rows_total - len(counted.df)) < 0.2 * len(counted.df)  # an estimate from the first 64 KB
    assert seen[-1].rows_done == len(counted.df)
