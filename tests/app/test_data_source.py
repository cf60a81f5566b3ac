"""The shared data component through the real router (app.py): one upload serves every page.

Upload a SkyServer-like export on Classification, visit Regression and the ROC Explorer, come
back: the upload is still selected with its column choices; default features leave out ids,
bookkeeping and the other target. Bad inputs become messages, never exceptions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.upload_helpers import apply, features_box, set_features, target_box, upload

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
CLS, REG, ROC, CLU = (
    "pages/2_Classification.py",
    "pages/1_Regression.py",
    "pages/3_ROC_Explorer.py",
    "pages/4_Clustering.py",
)
PHOTOMETRY = ["u", "g", "r", "i", "z", "u-g", "g-r", "r-i", "i-z"]


def skyserver(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """A SkyServer-like export: ids in scientific notation, sky position, bookkeeping, ugriz, class, redshift."""
    rng = np.random.default_rng(seed)
    cls = rng.choice(["STAR", "GALAXY", "QSO"], n, p=[0.4, 0.45, 0.15])
    z = np.where(cls == "STAR", rng.normal(0, 1e-4, n), np.where(cls == "GALAXY", rng.uniform(0.02, 0.3, n), rng.uniform(0.5, 3, n)))
    df = pd.DataFrame({"objid": [f"{1.23764870457714e18 + i * 1e6:.14E}" for i in range(n)]})
    df["ra"], df["dec"] = rng.uniform(0, 360, n), rng.uniform(-10, 60, n)
    for i, b in enumerate("ugriz"):
        df[b] = 19 + rng.normal(0, 0.8, n) + (cls == "QSO") * 0.4 * i - (cls == "STAR") * 0.2 * i
    df["run"], df["rerun"], df["camcol"] = rng.integers(100, 8000, n), 301, rng.integers(1, 7, n)
    df["field"] = rng.integers(11, 800, n)
    df["specobjid"] = [f"{3.7e18 + i * 1e12:.14E}" for i in range(n)]
    df["class"], df["redshift"] = cls, z
    df["plate"], df["mjd"], df["fiberid"] = rng.integers(266, 12000, n), rng.integers(51578, 58500, n), rng.integers(1, 1000, n)
    return df  # fmt: skip


def _csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode()


def _clean(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def _app() -> AppTest:
    return _clean(AppTest.from_file(APP, default_timeout=180).run())


def _go(at: AppTest, page: str) -> AppTest:
    return _clean(at.switch_page(page).run())


def test_upload_on_one_page_serves_every_page_and_survives_the_round_trip():
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(skyserver()), "skyserver.csv")
    _clean(at)
    assert target_box(at).value == "class"
    assert features_box(at).value == PHOTOMETRY  # no ids, bookkeeping, position or redshift
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "identifier" in caption and "redshift" in caption
    set_features(at, ["u", "g", "r", "i", "z"])

    _go(at, REG)
    assert at.button_group(key="reg.source").value == "Upload"  # the session's upload is offered first
    assert target_box(at).value == "redshift"
    assert "class" not in features_box(at).value  # another target of the same table
    _go(at, ROC)
    _go(at, CLS)
    assert at.button_group(key="cls.source").value == "Upload"
    assert target_box(at).value == "class"
    assert features_box(at).value == ["u", "g", "r", "i", "z"]  # the choices made before
    assert not at.error, [e.value for e in at.error]


def test_add_back_restores_the_left_out_columns_in_one_click():
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(skyserver()), "skyserver.csv")
    next(b for b in at.button if b.label.startswith("Add back")).click().run()
    assert {"ra", "dec", "redshift"} <= set(features_box(at).value)


def test_target_chosen_as_a_feature_is_taken_out_with_a_note():
    at = _go(_app(), REG)
    upload(at, "reg", _csv(skyserver()), "skyserver.csv")
    assert "u" in features_box(at).value
    target_box(at).set_value("u")
    features_box(at).set_value(["u", "g", "r"])  # edited together with the target: kept, minus the target
    apply(at)
    _clean(at)
    assert target_box(at).value == "u"
    assert features_box(at).value == ["g", "r"]
    assert any("is the target" in i.value for i in at.sidebar.info)


def test_row_filter_keeps_chosen_values_and_says_so():
    at = _go(_app(), REG)
    upload(at, "reg", _csv(skyserver(400)), "skyserver.csv")
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Keep rows by column")).set_value("class").run()
    next(m for m in at.multiselect if m.label == "Keep rows whose value is").set_value(["GALAXY"])
    next(b for b in at.button if b.label == "Apply filter").click().run()
    _clean(at)
    assert any("filter: rows with class = GALAXY" in m.value for m in at.markdown)
    n_galaxies = int((skyserver(400)["class"] == "GALAXY").sum())
    assert any(f"{n_galaxies:,} rows" in m.value for m in at.markdown)


def test_filter_leaving_one_class_is_a_message():
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(skyserver()), "skyserver.csv")
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Keep rows by column")).set_value("class").run()
    next(m for m in at.multiselect if m.label == "Keep rows whose value is").set_value(["STAR"])
    next(b for b in at.button if b.label == "Apply filter").click().run()
    _clean(at)
    assert any("single class" in e.value or "two classes" in e.value for e in at.error), [e.value for e in at.error]


def test_every_column_id_like_says_so_and_lets_the_user_choose():
    n = 60
    df = pd.DataFrame({"objid": np.arange(n) * 7 + 1_000_000, "run": np.arange(n), "label": ["a", "b"] * (n // 2)})
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(df), "ids.csv")
    _clean(at)
    assert features_box(at).value == []
    assert any("No feature column is chosen" in w.value for w in at.warning)
    set_features(at, ["run"])  # forcing a choice works
    _clean(at)
    assert features_box(at).value == ["run"]


def test_removed_upload_falls_back_with_a_message_and_the_store_is_bounded():
    at = _go(_app(), CLS)
    for i in range(4):
        df = skyserver(120, seed=i)
        upload(at, "cls", _csv(df), f"table{i}.csv")
    _clean(at)
    picker = next(s for s in at.selectbox if s.label == "Uploaded table")
    assert len(picker.options) == 3  # the store keeps three; the oldest went
    assert not any("table0.csv" in o for o in picker.options)
    for _ in range(3):
        next(b for b in at.button if b.label == "Remove this upload").click().run()
        _clean(at)
    assert not any(s.label == "Uploaded table" for s in at.selectbox)
    assert any("Add a CSV file" in i.value for i in at.info)


@pytest.mark.parametrize(
    "page,key",
    [(CLU, "clu"), ("pages/5_Dimensionality_reduction.py", "proj"), ("pages/6_Anomaly_detection.py", "ano")],
)
def test_unsupervised_page_takes_the_upload_without_a_label(page, key):
    if not (ROOT / page).exists():
        pytest.skip(f"{page} is not installed")
    at = _go(_app(), page)
    upload(at, key, _csv(skyserver().drop(columns=["class"])), "nolabel.csv")
    _clean(at)
    assert target_box(at).value == "(no label column)"
    target_box(at).set_value("(no label column)")
    apply(at)
    _clean(at)


def test_optional_label_keeps_the_features_that_separate_it():
    """Clustering scores against the label but never learns it: features separating it are kept."""
    rng = np.random.default_rng(0)
    n = 200
    label = np.repeat(["a", "b"], n // 2)
    df = pd.DataFrame({"x": np.where(label == "a", -5.0, 5.0) + rng.normal(0, 0.3, n), "y": rng.normal(size=n)})
    df["class"] = label
    at = _go(_app(), CLU)
    upload(at, "clu", _csv(df), "blobs.csv")
    _clean(at)
    assert target_box(at).value == "class"
    assert features_box(at).value == ["x", "y"]
    at_cls = _go(_app(), CLS)
    upload(at_cls, "cls", _csv(df), "blobs.csv")
    assert "x" not in features_box(at_cls).value  # where a model learns the label, x leaks it


# -- memory: sessions hold references, the tables live once per server (issue 10) -------------------------
def _upload_state_bytes(at: AppTest) -> int:
    """Bytes the session's upload bookkeeping holds (the upload list, issues memo, seen files)."""
    from ui import budget

    state = at.session_state._state._state.filtered_state  # the session's state as the server holds it
    return sum(budget.nbytes(v, depth=8) for k, v in state.items() if k.startswith("_upload") or k == "_number_issues")


def test_a_session_holds_only_a_reference_and_an_evicted_table_is_read_again():
    from ui import cache

    df = skyserver(3000)
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(df), "skyserver.csv")
    _clean(at)
    sha = cache.sha256(_csv(df))
    assert cache.upload_tables().get(sha) is not None and sha in cache.upload_files()
    assert _upload_state_bytes(at) < 20_000  # the frame (~1 MB) is not in the session
    cache.upload_tables().pop(sha)  # evicted by other sessions' uploads: read again from the kept bytes
    _go(at, REG)
    assert target_box(at).value == "redshift"
    assert len(cache.upload_tables().get(sha).df) == 3000
    cache.upload_tables().pop(sha)
    cache.upload_files().pop(sha)  # and the bytes gone too: a message, the upload leaves the list
    _go(at, CLS)
    assert any("no longer kept on this server" in w.value for w in at.sidebar.warning), [w.value for w in at.warning]
    assert not any(s.label == "Uploaded table" for s in at.selectbox)


def test_a_table_read_as_numbers_is_derived_again_after_eviction():
    from ui import cache

    n = 200
    df = pd.DataFrame({"a": [f"{v:.3f}" for v in np.linspace(0, 1, n)], "b": np.arange(n) % 7 * 1.5, "label": ["p", "q"] * (n // 2)})
    df.loc[[3, 50], "a"] = ["oops", "12%"]
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(df), "messy.csv")
    next(b for b in at.button if b.label.startswith("Read these columns as numbers")).click().run()
    _clean(at)
    picker = at.selectbox(key="cls.upload_pick")
    assert "(read as numbers)" in picker.format_func(picker.value)
    cache.upload_tables().clear()
    at.run()
    _clean(at)
    derived = cache.upload_tables().get(picker.value)
    assert derived is not None and pd.api.types.is_float_dtype(derived.df["a"])
    assert np.isnan(derived.df["a"][3]) and derived.df["a"][50] == 12.0


def test_read_progress_text_says_bytes_rows_and_time_left():
    from ml.tables import ReadProgress
    from ui.data_source import _progress_text

    p = ReadProgress("parsing", 20_000_000, 80_000_000, 500_000, 2_000_000)
    text = _progress_text("big*.csv", p, 3.0, p.fraction)
    assert "20.0 of 80.0 MB" in text and "500,000 of ≈ 2,000,000 rows" in text and "s left" in text
    assert "big\\*.csv" in text  # the file name is escaped


def test_upload_stores_are_bounded_and_the_folder_is_private(tmp_path):
    import os
    import stat

    from ui.budget import BudgetedStore, FileStore, usage

    files = FileStore(mb=1.0)
    assert stat.S_IMODE(os.stat(files.folder).st_mode) == 0o700
    for k in ("aa", "bb", "cc"):
        files.put(k, b"x" * 400_000)
    assert files.total <= 1024**2 and "aa" not in files and files.get("cc") == b"x" * 400_000
    with pytest.raises(ValueError):
        files.put("../escape", b"x")
    store = BudgetedStore("test_uploads", mb=1.0, max_entries=8)
    for k in range(4):
        store.put(k, np.zeros(300_000 // 8))
    assert len(store) == 3 and store.get(0) is None and usage()["test_uploads"][1] <= 1024**2


def test_past_the_row_budget_only_the_sample_stays_in_memory(monkeypatch):
    import ui.data_source as source
    from ui import cache

    monkeypatch.setitem(source.ROW_BUDGET, "cls", 100)
    at = _go(_app(), CLS)
    upload(at, "cls", _csv(skyserver(400)), "sky.csv")
    _clean(at)
    assert any("random sample of 100 of the 400 rows" in i.value for i in at.info)
    kept = [v for k, v in cache.upload_samples()._data.items() if k[1] == 100]
    assert kept and all(ds.n_samples == 100 and n_all == 400 for ds, n_all in kept)
    prepared = []
    real = cache.prepared_upload
    monkeypatch.setattr(cache, "prepared_upload", lambda *a, **k: prepared.append(a) or real(*a, **k))
    at.run()  # a rerun takes the kept sample: the 400 rows are not prepared (held) again
    _clean(at)
    assert prepared == [] and any("random sample of 100" in i.value for i in at.info)
