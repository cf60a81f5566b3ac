"""The one "built-in dataset or upload" component every page uses.

- Uploads belong to the session, not to a page: a file uploaded on any page goes into a bounded
  per-session store keyed by the SHA-256 of its bytes, and every page can pick it; it survives page
  switches and the hand-off to the ROC Explorer and back. Several uploads sit side by side; each can
  be removed; the store says so when it drops the oldest.
- A page declares whether it needs a target ("required", "optional", "none"), the task the target
  is read as, and which built-in datasets it offers.
- Default features are what a scientist would choose (`ml.tables.suggest_features`: no ids, survey
  bookkeeping or columns that leak the target); one line says what was left out and why, with one
  click to add them back. Column edits apply together in a form: five removals cost one retrain.
- A row filter keeps rows where a column takes chosen values or lies in a range.

Column choices are remembered per page and upload for the whole session.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field, replace

import pandas as pd
import streamlit as st

from ml import datasets, tables
from ml.sources import RowFilter
from ml.tables.values import EXTREME, extreme_note
from ui import cache
from ui.state import kept
from ui.widgets import guard, param_widgets

# Rows a page trains on (issue 10: a 5.6 M-row upload ran 772 s). Past its budget a page uses a seeded
# random sample of this size and says so; README's "Uploads" section states the same numbers.
ROW_BUDGET = {"cls": 50_000, "reg": 50_000, "clu": 20_000, "proj": 20_000, "ano": 50_000}
DEFAULT_ROW_BUDGET = 50_000
ROW_SAMPLE_SEED = 0
MAX_SESSION_UPLOADS = 3  # tables one session keeps side by side (each lives once, in the server-wide cache)
_STORE = "_uploads"  # session key: {sha256: Upload}, oldest first
_SEEN = "_uploads_seen"  # uploader file ids already stored (so a rerun does not store them again)
_NOTICE = "_uploads_notice"
TARGET_MODES = ("required", "optional", "none")
_NO_LABEL = "(no label column)"
# On pages where a label is optional, only a column named like one is preselected as the label.
_LABEL_WORDS = ("class", "label", "labels", "target", "y", "truth", "anomaly", "outlier", "is_anomaly", "is_outlier")


@dataclass(frozen=True)
class Upload:
    sha256: str
    filename: str
    n_bytes: int
    table: tables.Table


@dataclass
class DataChoice:
    """What a page trains on: the dataset and the primitives that name it (for cache keys)."""

    ds: datasets.Dataset
    key: tuple
    title: str
    is_upload: bool = False
    filter_text: str = ""
    left_out: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


# -- the session's upload store -----------------------------------------------------------------------
def uploads() -> dict[str, Upload]:
    """The session's stored uploads, oldest first."""
    return st.session_state.setdefault(_STORE, {})


def _store(upload: Upload) -> None:
    store = uploads()
    store.pop(upload.sha256, None)
    store[upload.sha256] = upload
    while len(store) > MAX_SESSION_UPLOADS:
        old = store.pop(next(iter(store)))
        st.session_state[_NOTICE] = (
            f"Only {MAX_SESSION_UPLOADS} uploads are kept per session: '{old.filename}' was removed "
            "to make room. Upload it again to use it."
        )
    st.session_state["_upload_current"] = upload.sha256


def remove_upload(sha256: str) -> None:
    uploads().pop(sha256, None)
    if st.session_state.get("_upload_current") == sha256:
        st.session_state.pop("_upload_current", None)


def uploader(page: str, container=None, help: str | None = None) -> None:
    """The app's one file uploader: a new file is read once and goes into the session's store."""
    c = container or st.sidebar
    file = c.file_uploader(
        "Add a CSV file (kept for this session, on every page)",
        key=f"{page}.uploader",
        help=help or f"Up to {tables.MAX_UPLOAD_MB} MB. The file stays available on every page until removed.",
    )
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        c.info(notice)
    if file is None:
        return
    seen = st.session_state.setdefault(_SEEN, {})
    if file.file_id in seen:
        return
    data = file.getvalue()
    digest = cache.sha256(data)
    with guard("Reading the file"), st.spinner(f"Reading {_md(file.name)} ({len(data) / 1024**2:,.1f} MB) …", show_time=True):
        table = cache.upload_table(digest, file.name, data)
        _store(Upload(digest, file.name, len(data), table))
        st.session_state.pop(f"{page}.upload_pick", None)  # the picker restarts on the new upload, not the previous
        seen[file.file_id] = digest
        return
    seen[file.file_id] = None  # a file that could not be read is not retried on every rerun


def upload_picker(page: str, container=None) -> Upload | None:
    """Choose one of the stored uploads (with a Remove button); None when there is none."""
    c = container or st.sidebar
    store = uploads()
    if not store:
        return None
    names = list(store)
    current = st.session_state.get("_upload_current")
    index = names.index(current) if current in names else len(names) - 1

    def label(sha):
        up = store[sha]
        return f"{up.filename} · {len(up.table.df):,} rows · {sha[:8]}"

    sha = c.selectbox("Uploaded table", names, index=index, format_func=label, key=f"{page}.upload_pick")
    st.session_state["_upload_current"] = sha
    up = store[sha]
    for note in up.table.notes:
        c.info(_md(note))
    number_repair(page, up)
    if c.button("Remove this upload", key=f"{page}.upload_remove", icon=":material/delete:"):
        remove_upload(sha)
        st.rerun()
    return up


def number_repair(page: str, up: Upload) -> None:
    """Name the columns that are numbers but for some cells (stray text, '12%', '1,234'), with their rows and
    values, and offer to read them as numbers (a new stored upload: percentages and thousands separators
    parsed, other bad cells left missing). Until then they are not offered as features or scores."""
    from ml.tables.values import number_issues, repair_numbers

    memo = st.session_state.setdefault("_number_issues", {})
    if up.sha256 not in memo:
        memo[up.sha256] = number_issues(up.table.df)
    issues = memo[up.sha256]
    if not issues:
        return
    lines = "\n".join(f"- {_md(i.message())}" for i in issues)
    st.warning(
        f"Some columns are numbers except for a few cells, so they are not used as numbers yet:\n{lines}",
        icon=":material/rule:",
    )
    fixable = any(i.fixable for i in issues)
    label = "Read these columns as numbers" + (" ('12%' as 12, '1,234' as 1234; other bad cells missing)" if fixable
                                              else " (the bad cells become missing values)")
    if st.button(label, key=f"{page}.repair.{up.sha256[:12]}", icon=":material/build:"):
        df, notes = repair_numbers(up.table.df, [i.column for i in issues])
        digest = cache.sha256(f"{up.sha256}:numbers".encode())
        _store(Upload(digest, f"{up.filename} (read as numbers)", up.n_bytes, tables.Table(df, [*up.table.notes, *notes], digest)))
        st.session_state.pop(f"{page}.upload_pick", None)
        st.rerun()


# -- column choices -----------------------------------------------------------------------------------
def _choices_key(page: str, sha: str) -> str:
    return f"_cols.{page}.{sha}"


def _default_target(df: pd.DataFrame, mode: str, task: str | None) -> str | None:
    cols = [str(c) for c in df.columns]
    if task == "regression":
        from ml.regression import looks_like_redshift

        kinds = tables.column_kinds(df)
        numeric = [c for c in cols if kinds.get(c) == "numeric"]
        return next((c for c in cols if looks_like_redshift(c)), numeric[-1] if numeric else cols[-1])
    labels = [str(c) for c in tables.label_candidates(df)]
    if mode == "optional":
        named = [c for c in labels if c.strip().lower() in _LABEL_WORDS]
        return named[0] if named else None
    return labels[0] if labels else cols[-1]


def _suggest(df: pd.DataFrame, target: str | None, task: str | None, mode: str = "required"):
    """Default features. Leak detection only where a model learns the target: on pages where the label
    is optional (it only colours and scores), the features that separate it well are the ones to keep."""
    from ml.tables.roles import suggest_features

    s = suggest_features(df, target, task, leaks=mode == "required")
    kinds = tables.column_kinds(df)
    text = [f for f in s.features if kinds.get(f) in ("categorical", "text")]
    if not text:
        return s
    # Text columns need a policy (drop or one-hot): offered with one click, not chosen by default.
    left = {**s.left_out, **{f: "text, not numbers" for f in text}}
    return replace(s, features=[f for f in s.features if f not in text], left_out=left)


def _initial_choices(df: pd.DataFrame, mode: str, task: str | None) -> dict:
    target = None if mode == "none" else _default_target(df, mode, task)
    s = _suggest(df, target, task, mode)
    return {"target": target, "features": list(s.features), "left_out": dict(s.left_out), "filter": None}


def _candidates(df: pd.DataFrame, target: str | None) -> list[str]:
    if target is None:
        kinds = tables.column_kinds(df)
        out = [str(c) for c in df.columns if kinds.get(c) != "text"]
        from ml.photometry import COLOURS, has_ugriz

        if has_ugriz(df):
            out += [c for c in COLOURS if c not in out]
        return out
    return [str(c) for c in tables.feature_candidates(df, target)]


def _column_form(page: str, up: Upload, mode: str, task: str | None, c) -> dict:
    """Target and features in one form with an Apply button; returns the applied choices."""
    df = up.table.df
    key = _choices_key(page, up.sha256)
    choices = st.session_state.get(key)
    if choices is None:
        choices = st.session_state[key] = _initial_choices(df, mode, task)
    cols = [str(col) for col in df.columns]
    with c.form(f"{page}.columns.{up.sha256[:12]}", border=False):
        target = choices["target"]
        if mode == "required":
            target = st.selectbox(
                "Target column" + (" (the class)" if task != "regression" else " (the number to predict)"),
                cols,
                index=cols.index(target) if target in cols else 0,
            )
        elif mode == "optional":
            options = [_NO_LABEL, *cols]
            picked = st.selectbox(
                "Label column (optional; used only to colour and score, never to fit)",
                options,
                index=options.index(target) if target in options else 0,
            )
            target = None if picked == _NO_LABEL else picked
        candidates = _candidates(df, choices["target"])
        current = [f for f in choices["features"] if f in candidates]
        features = st.multiselect("Feature columns", candidates, default=current)
        applied = st.form_submit_button("Apply column choices", type="primary", icon=":material/check:")
    if applied:
        new = dict(choices)
        if target != choices["target"]:
            s = _suggest(df, target, task, mode)
            untouched = set(features) == set(current)
            new["features"] = list(s.features) if untouched else features
            new["left_out"] = dict(s.left_out) if untouched else {}
        else:
            new["features"] = features
        new["target"] = target
        if target is not None and target in new["features"]:
            new["features"] = [f for f in new["features"] if f != target]
            new["notes"] = [
                f"'{target}' is the target, so it was taken out of the features (a model shown the answer "
                "learns nothing useful)."
            ]
        st.session_state[key] = new
        st.rerun()
    out = {k: v for k, v in choices.get("left_out", {}).items() if k not in choices["features"]}
    back = [col for col in out if col in candidates]
    if out:
        c.caption(f"Left out by default — {left_out_text(out)}.")
    if back:
        if c.button(f"Add back {len(back)} column(s)", key=f"{page}.addback.{up.sha256[:12]}"):
            st.session_state[key] = {**choices, "features": choices["features"] + back}
            st.rerun()
    for note in choices.pop("notes", []):
        c.info(note)
    return choices


def _filter_controls(page: str, up: Upload, choices: dict, c) -> None:
    """The row filter: a column, then its values or range, applied with one button."""
    df = up.table.df
    key = _choices_key(page, up.sha256)
    flt: RowFilter | None = choices.get("filter")
    with c.expander("Row filter" + (f": {flt.describe()}" if flt else ""), expanded=False):
        cols = ["(none)", *[str(col) for col in df.columns]]
        col = st.selectbox(
            "Keep rows by column",
            cols,
            index=cols.index(flt.column) if flt and flt.column in cols else 0,
            key=f"{page}.filter_col.{up.sha256[:12]}",
        )
        if col == "(none)":
            if flt is not None and st.button("Clear the filter", key=f"{page}.filter_clear"):
                st.session_state[key] = {**choices, "filter": None}
                st.rerun()
            return
        series = df[col]
        numeric = tables.column_kinds(df).get(col) == "numeric" and series.nunique() > 20
        with st.form(f"{page}.filter.{up.sha256[:12]}.{col}", border=False):
            if numeric:
                values = pd.to_numeric(series, errors="coerce")
                lo, hi = float(values.min()), float(values.max())
                low = st.number_input("From", value=flt.low if flt and flt.is_range and flt.column == col else lo)
                high = st.number_input("To", value=flt.high if flt and flt.is_range and flt.column == col else hi)
                new = RowFilter(col, low=float(low), high=float(high))
            else:
                options = sorted(series.dropna().astype(str).unique().tolist())[:200]
                default = [v for v in (flt.values if flt and flt.column == col else ()) if v in options]
                chosen = st.multiselect("Keep rows whose value is", options, default=default)
                new = RowFilter(col, values=tuple(chosen)) if chosen else None
            if st.form_submit_button("Apply filter"):
                st.session_state[key] = {**choices, "filter": new}
                st.rerun()


def _policies(page: str, df: pd.DataFrame, choices: dict, c) -> tuple[str, str]:
    """What to do with text features and gaps, asked only when the chosen columns need it."""
    features, target = choices["features"], choices["target"]
    kinds = tables.column_kinds(df)
    text = [f for f in features if kinds.get(f) in ("categorical", "text")]
    non_numeric, missing = "error", "error"
    if text:
        non_numeric = c.radio(
            f"{len(text)} feature column(s) hold text, not numbers ({_md(', '.join(text[:3]))})",
            ["drop", "onehot"],
            format_func={"drop": "Leave them out", "onehot": "One-hot encode (a 0/1 column per category)"}.get,
            **kept(key=f"{page}.text_policy"),
        )
    present = [col for col in [*features, target] if col is not None and col in df.columns]
    if present:
        gaps = df[present].isna()
        for col in present:
            if pd.api.types.is_float_dtype(df[col]):
                gaps[col] |= df[col].abs().gt(EXTREME)  # ±inf and beyond ±1e100 count as missing
                note = extreme_note(col, df[col])
                if note:
                    st.warning(_md(note), icon=":material/data_array:")
        n_missing = int(gaps.any(axis=1).sum())
        if n_missing:
            missing = c.radio(
                f"{n_missing:,} of {len(df):,} rows have missing, infinite or extreme values",
                ["drop", "impute"],
                format_func={
                    "drop": "Drop those rows",
                    "impute": "Fill gaps with the column median (learned on training rows only)",
                }.get,
                **kept(key=f"{page}.missing_policy"),
            )
    return non_numeric, missing


def left_out_text(left_out: dict[str, str]) -> str:
    """Left-out columns grouped by reason, escaped: "identifier: objid, specobjid; sky position: ra, dec"."""
    groups: dict[str, list[str]] = {}
    for col, why in left_out.items():
        groups.setdefault(why, []).append(col)
    return "; ".join(f"{_md(why)}: {_md(', '.join(cols))}" for why, cols in groups.items())


def _md(text: str) -> str:
    """User text made safe for st.markdown / captions: HTML-escaped and Markdown specials backslashed."""
    text = html.escape(str(text), quote=False)  # quotes are harmless; '&#x27;' would get its '#' escaped
    for ch in "\\`*_{}[]()#+!|~<>$":
        text = text.replace(ch, "\\" + ch)
    return text


# -- the component ------------------------------------------------------------------------------------
def builtin_picker(page: str, names: list[str], default: str | None, c) -> DataChoice | None:
    """Choose one of the built-in datasets `names` and its options (size, noise, seed)."""
    specs = {n: datasets.REGISTRY[n] for n in names if n in datasets.REGISTRY}
    options = list(specs)
    if not options:
        st.error("No built-in dataset suits this page.")
        return None
    name = c.selectbox(
        "Dataset",
        options,
        index=options.index(default) if default in options else 0,
        format_func=lambda n: specs[n].title,
        **kept(key=f"{page}.dataset"),
    )
    spec = specs[name]
    values = {}
    if spec.params:
        with c.expander("Dataset options", expanded=False):
            values = param_widgets(spec.params, f"{page}.dataset.{name}", persist=True)
    opts = tuple(sorted(values.items()))
    with guard("Loading the dataset"):
        ds = cache.dataset(name, opts)
        return DataChoice(ds, ("builtin", name, opts), spec.title)
    return None


def data_source(
    page: str,
    *,
    target: str = "required",
    task: str | None = None,
    datasets: list[str] | tuple[str, ...] = (),
    default: str | None = None,
    container=None,
) -> DataChoice | None:
    """Draw the data controls in the sidebar and return the chosen data (None after saying why).

    page: a short key ("cls", "reg", "clustering", …) under which this page's choices are kept.
    target: whether the page needs a target column; task: how an uploaded target is read
    ("multiclass", "regression", or None to infer); datasets: the built-in names offered.
    """
    if target not in TARGET_MODES:
        raise ValueError(f"target must be one of {TARGET_MODES}, not {target!r}.")
    c = container or st.sidebar
    c.header("Data")
    has_uploads = bool(uploads())
    source = c.segmented_control(
        "Source",
        ["Built-in", "Upload"],
        default="Upload" if has_uploads else "Built-in",
        required=True,
        **kept(key=f"{page}.source"),
    )
    if source == "Built-in":
        return builtin_picker(page, list(datasets), default, c)
    uploader(page, c)
    up = upload_picker(page, c)
    if up is None:
        st.info(
            "Add a CSV file in the sidebar: one row per object"
            + (", a column with the target and numeric feature columns." if target == "required" else
               ", numeric feature columns (a label column is optional).")
            + " A SkyServer export (u, g, r, i, z, class, redshift and ids) is recognised."
        )  # fmt: skip
        return None
    return upload_choice(page, up, target=target, task=task, container=c)


def upload_choice(page: str, up: Upload, *, target: str, task: str | None, container=None) -> DataChoice | None:
    """Column form, row filter and policies for a stored upload, then the prepared dataset."""
    c = container or st.sidebar
    df = up.table.df
    with guard("Choosing columns"):
        choices = _column_form(page, up, target, task, c)
        _filter_controls(page, up, choices, c)
        non_numeric, missing = _policies(page, df, choices, c)
        if not choices["features"]:
            st.warning(
                "No feature column is chosen: every column looked like an identifier, bookkeeping or a leak "
                "of the target. Pick features in the sidebar (or press “Add back”) and Apply."
            )
            return None
        flt = choices.get("filter")
        key = (
            "upload", up.sha256, page if target == "none" else target, choices["target"],
            tuple(choices["features"]), non_numeric, missing, flt,
        )  # fmt: skip
        read_as = task if choices["target"] is not None else None
        ds = cache.prepared_upload(key, read_as, up.filename, _table=up.table)
        budget = ROW_BUDGET.get(page, DEFAULT_ROW_BUDGET)
        notes = []
        if ds.n_samples > budget:  # past the page's row budget: a seeded sample, said with its size
            n_all = ds.n_samples
            ds = cache.sampled_upload(key, budget, ROW_SAMPLE_SEED, _ds=ds)
            key = (*key, ("sample", budget, ROW_SAMPLE_SEED))
            notes.append(
                f"This page works on at most {budget:,} rows: it uses a random sample of {budget:,} of the "
                f"{n_all:,} rows (seed {ROW_SAMPLE_SEED}, the same every time). Filter the rows in the sidebar "
                "to choose which ones."
            )
            st.info(notes[-1], icon=":material/filter_alt:")
        title = f"{up.filename}" + (f" → {choices['target']}" if choices["target"] else "")
        return DataChoice(
            ds, key, title, is_upload=True, filter_text=flt.describe() if flt else "",
            left_out={k: v for k, v in choices.get("left_out", {}).items() if k not in choices["features"]},
            notes=notes,
        )  # fmt: skip
    return None


def data_line(choice: DataChoice) -> None:
    """One line under the title: real or simulated (said once), size, row filter and left-out columns."""
    ds = choice.ds
    size = f"{ds.n_samples:,} rows × {len(ds.feature_names)} features"
    if ds.task in ("binary", "multiclass"):
        size += f", {len(ds.class_names) or ds.y.nunique()} classes"
    elif ds.task is None:
        size += ", no label"
    if ds.simulated:
        what = f" imitating {ds.imitates}" if ds.imitates else ""
        line = f":blue-badge[:material/science: Simulated data]{what} · {size}"
    elif choice.is_upload:
        line = f":green-badge[:material/upload_file: Uploaded table] {_md(choice.title)} · {size}"
    else:
        source = ds.source if len(ds.source) <= 90 else ds.source[:87].rsplit(" ", 1)[0] + " …"
        line = f":green-badge[:material/verified: Real data] {source} · {size}"
    if choice.filter_text:
        line += f" · filter: {_md(choice.filter_text)}"
    if choice.left_out:
        line += f" · left out: {_md(', '.join(list(choice.left_out)[:6]))}" + (" …" if len(choice.left_out) > 6 else "")
    st.markdown(line)
