"""The one "built-in dataset or upload" component every page uses.

- Uploads belong to the session, not to a page: a file uploaded on any page goes into a bounded
  per-session list keyed by the SHA-256 of its bytes, and every page can pick it; it survives page
  switches and the hand-off to the ROC Explorer and back. Several uploads sit side by side; each can
  be removed; the list says so when it drops the oldest.
- Memory: a session holds only references (`Upload`: SHA-256, file name, sizes). The parsed table
  lives once per server in `ui.cache.upload_tables` (byte budget CACHE_BUDGET_MB["upload_table"]),
  the bytes on disk in `ui.cache.upload_files` (UPLOAD_DISK_MB); a table evicted from memory is read
  again from its bytes when next used. Streamlit's own copy of the file is released once it is stored.
- A file is read in a worker thread while the page shows a progress bar (bytes and rows read, time
  left); a second session uploading the same bytes waits for the same read.
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
import threading
import time
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field, replace

import pandas as pd
import streamlit as st

from ml import datasets, tables
from ml.sources import RowFilter
from ml.tables.values import EXTREME, extreme_note
from ui import cache
from ui.state import from_link, kept, linked, peek, use
from ui.state import note as link_note
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
_GONE = "_uploads_gone"  # an upload whose table and bytes the server no longer keeps
TARGET_MODES = ("required", "optional", "none")
_NO_LABEL = "(no label column)"
# On pages where a label is optional, only a column named like one is preselected as the label.
_LABEL_WORDS = ("class", "label", "labels", "target", "y", "truth", "anomaly", "outlier", "is_anomaly", "is_outlier")


@dataclass(frozen=True)
class Upload:
    """A session's reference to an upload; the table itself is server-wide (`table`, read again if evicted)."""

    sha256: str
    filename: str
    n_bytes: int
    n_rows: int = 0
    n_cols: int = 0
    root: tuple = ()  # (sha256, filename) of the file this is derived from ("read as numbers"), else ()
    repaired: tuple = ()  # the columns read as numbers

    @property
    def table(self) -> tables.Table:
        return upload_table(self)


class UploadGone(ValueError):
    """The upload's table was evicted and its bytes are no longer kept on this server."""


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
    st.session_state.get("_number_issues", {}).pop(sha256, None)
    if st.session_state.get("_upload_current") == sha256:
        st.session_state.pop("_upload_current", None)


# -- reading: server-wide, in a worker thread, with a progress bar ----------------------------------------
_READS_LOCK = threading.Lock()


class _Read:
    """One read in progress: its future (a Table) and the latest ml.tables.ReadProgress."""

    def __init__(self):
        self.future: Future = Future()
        self.progress: tables.ReadProgress | None = None
        self.started = time.monotonic()


def _start_read(digest: str, filename: str, data: bytes) -> _Read:
    """Start reading `data` in a worker thread (or join the read of the same bytes already running). The
    table goes into the server-wide store even if the page that asked has moved on."""
    reads = cache.upload_reads()
    with _READS_LOCK:
        read = reads.get(digest)
        if read is not None:
            return read
        read = reads[digest] = _Read()

    def work():
        try:
            table = tables.read_table(data, filename, progress=lambda p: setattr(read, "progress", p))
            cache.upload_tables().put(digest, table)
            read.future.set_result(table)
        except BaseException as exc:  # noqa: BLE001 - handed to the page, which shows it
            read.future.set_exception(exc)
        finally:
            with _READS_LOCK:
                reads.pop(digest, None)

    threading.Thread(target=work, name=f"read-upload-{digest[:8]}", daemon=True).start()
    return read


def _progress_text(filename: str, p: tables.ReadProgress | None, elapsed: float, fraction: float) -> str:
    name, mb = _md(filename), 1e6  # decimal MB, as the uploader's own label gives the size
    if p is None or p.phase == "checking":
        total = f" ({p.bytes_total / mb:,.1f} MB)" if p else ""
        return f"Reading {name}{total}: checking the format and encoding · {elapsed:,.0f} s"
    if p.phase == "tidying":
        return f"Reading {name}: tidying {p.rows_total:,} rows · {elapsed:,.0f} s"
    text = f"Reading {name}: {p.bytes_done / mb:,.1f} of {p.bytes_total / mb:,.1f} MB"
    if p.rows_total:
        text += f", ≈ {p.rows_done:,} of ≈ {p.rows_total:,} rows"
    text += f" · {elapsed:,.0f} s"
    if fraction > 0.1:
        text += f", about {max(elapsed * (1 - fraction) / fraction, 0):,.0f} s left"
    return text


def _wait_for(read: _Read, filename: str, container=None) -> tables.Table:
    """The read's table; while it runs (past a quarter second), a progress bar in `container`."""
    wait_futures([read.future], timeout=0.25)
    bar = None
    while not read.future.done():
        elapsed = time.monotonic() - read.started
        p = read.progress
        fraction = p.fraction if p is not None else 0.0
        text = _progress_text(filename, p, elapsed, fraction)
        if bar is None:
            bar = (container or st.sidebar).progress(fraction, text=text)
        else:
            bar.progress(fraction, text=text)
        wait_futures([read.future], timeout=0.25)
    if bar is not None:
        bar.empty()
    return read.future.result()


def _read_new(digest: str, filename: str, data: bytes, container=None) -> tables.Table:
    """A newly uploaded file's table: from the server-wide store, or read (bytes kept on disk first)."""
    cache.upload_files().put(digest, data)  # (already there: only marked as recently used)
    table = cache.upload_tables().get(digest)
    if table is not None:
        return table
    try:
        return _wait_for(_start_read(digest, filename, data), filename, container)
    except ValueError:
        cache.upload_files().pop(digest)  # a file that cannot be read is not kept
        raise


def upload_table(up: Upload, container=None) -> tables.Table:
    """The table of a stored upload: from the server-wide store, else read again from its kept bytes (or,
    for a derived upload, derived again from its root). Raises UploadGone when the bytes are gone too."""
    table = cache.upload_tables().get(up.sha256)
    if table is not None:
        return table
    if up.root:
        from ml.tables.values import repair_numbers

        root_sha, root_name = up.root
        base = upload_table(Upload(root_sha, root_name, up.n_bytes), container)
        df, notes = repair_numbers(base.df, list(up.repaired))
        table = tables.Table(df, [*base.notes, *notes], up.sha256)
        cache.upload_tables().put(up.sha256, table)
        return table
    read = cache.upload_reads().get(up.sha256)
    if read is None:
        data = cache.upload_files().get(up.sha256)
        if data is None:
            raise UploadGone(
                f"'{up.filename}' is no longer kept on this server: it keeps {cache.UPLOAD_DISK_MB:,} MB of uploaded "
                f"files and {cache.CACHE_BUDGET_MB['upload_table']:,} MB of read tables in all, and drops the least "
                "recently used first. Upload the file again to use it."
            )
        read = _start_read(up.sha256, up.filename, data)
        del data
    return _wait_for(read, up.filename, container)


def _release(file) -> None:
    """Drop Streamlit's in-memory copy of an uploaded file (it would otherwise stay until the session
    ends, outside every budget); its bytes are kept on disk and its table in the server-wide store."""
    try:
        from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        mgr = getattr(ctx, "uploaded_file_mgr", None)
        if isinstance(mgr, MemoryUploadedFileManager):
            mgr.remove_file(session_id=ctx.session_id, file_id=file.file_id)
    except Exception:  # noqa: BLE001 - releasing early is an optimisation only
        pass


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
        c.info(_md(notice))
    gone = st.session_state.pop(_GONE, None)
    if gone:
        c.warning(_md(gone), icon=":material/cloud_off:")
    if file is None or not hasattr(file, "getvalue"):  # nothing, or a file already stored and released
        return
    seen = st.session_state.setdefault(_SEEN, {})
    if file.file_id in seen:
        return
    data = file.getvalue()
    digest = cache.sha256(data)
    with guard("Reading the file"):
        table = _read_new(digest, file.name, data, c)
        _store(Upload(digest, file.name, len(data), len(table.df), table.df.shape[1]))
        st.session_state.pop(f"{page}.upload_pick", None)  # the picker restarts on the new upload, not the previous
        seen[file.file_id] = digest
        _release(file)
        # Rerun once: the uploader's value in the session state is then Streamlit's "deleted file" marker
        # instead of the file and its bytes, so an idle session holds no copy of them.
        st.rerun()
    seen[file.file_id] = None  # a file that could not be read is not retried on every rerun
    _release(file)


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
        return f"{up.filename} · {up.n_rows:,} rows · {sha[:8]}"

    sha = c.selectbox("Uploaded table", names, index=index, format_func=label, key=f"{page}.upload_pick")
    st.session_state["_upload_current"] = sha
    up = store[sha]
    try:
        table = upload_table(up, c)  # read again, with progress, if the server dropped it from memory
    except UploadGone as exc:  # said once, above the uploader, after the list has forgotten it
        remove_upload(sha)
        st.session_state.pop(f"{page}.upload_pick", None)
        st.session_state[_GONE] = str(exc)
        st.rerun()
    except ValueError as exc:
        c.error(_md(str(exc)))
        return None
    for note in table.notes:
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

    memo = st.session_state.setdefault("_number_issues", {})  # per upload: (column, message, fixable), small
    if up.sha256 not in memo:
        memo[up.sha256] = [(i.column, i.message(), i.fixable) for i in number_issues(up.table.df)]
        for old in [k for k in memo if k not in uploads()]:
            memo.pop(old)
    issues = memo[up.sha256]
    if not issues:
        return
    lines = "\n".join(f"- {_md(message)}" for _, message, _ in issues)
    st.warning(
        f"Some columns are numbers except for a few cells, so they are not used as numbers yet:\n{lines}",
        icon=":material/rule:",
    )
    fixable = any(f for _, _, f in issues)
    label = "Read these columns as numbers" + (" ('12%' as 12, '1,234' as 1234; other bad cells missing)" if fixable
                                              else " (the bad cells become missing values)")
    if st.button(label, key=f"{page}.repair.{up.sha256[:12]}", icon=":material/build:"):
        root = up.root or (up.sha256, up.filename)
        columns = tuple(dict.fromkeys([*up.repaired, *(col for col, _, _ in issues)]))
        base = upload_table(Upload(root[0], root[1], up.n_bytes))
        df, notes = repair_numbers(base.df, list(columns))
        digest = cache.sha256(f"{root[0]}:numbers:{columns!r}".encode())
        cache.upload_tables().put(digest, tables.Table(df, [*base.notes, *notes], digest))
        _store(Upload(digest, f"{root[1]} (read as numbers)", up.n_bytes, len(df), df.shape[1], root, columns))
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
    text = text.replace("://", "\\://")  # a bare "http://…" would become a live link
    return text


# -- links ----------------------------------------------------------------------------------------------
def upload_from_link(page: str, source_key: str, fallback: str, upload: str = "Upload") -> None:
    """A link naming an upload (`?{page}.upload=file.csv`, or `?{source_key}=Upload`): uploads cannot travel
    in a link, so unless this session holds that file, say so and show the built-in data (`fallback`)."""
    wanted = from_link(f"{page}.upload")
    source = peek(source_key)
    held = {u.filename for u in uploads().values()}
    if wanted is not None and wanted in held:
        return
    if wanted is None and not (source is not None and source.lower() == upload.lower() and not held):
        return
    what = f"The upload '{_md(wanted)}'" if wanted else "An uploaded table"
    link_note(
        f"{what} can't travel in a link (a file stays with the session that uploaded it); showing the "
        "built-in default. Upload the file here to use it.",
        sentence=True,
    )
    from_link(source_key)  # the link's source is not applied
    st.session_state[source_key] = fallback


def link_upload(page: str, up: Upload | None) -> None:
    """Name the chosen upload in the URL (`?{page}.upload=file.csv`), so a link says what it showed."""
    use(f"{page}.upload", up.filename if up is not None else None, write=True)


# -- the component ------------------------------------------------------------------------------------
def builtin_picker(page: str, names: list[str], default: str | None, c) -> DataChoice | None:
    """Choose one of the built-in datasets `names` and its options (size, noise, seed)."""
    specs = {n: datasets.REGISTRY[n] for n in names if n in datasets.REGISTRY}
    options = list(specs)
    if not options:
        st.error("No built-in dataset suits this page.")
        return None
    name = linked(
        c.selectbox,
        "Dataset",
        options,
        index=options.index(default) if default in options else 0,
        format_func=lambda n: specs[n].title,
        **kept(key=f"{page}.dataset"),
    )  # in the URL as ?{page}.dataset=<registry name>, its options as ?{page}.dataset.<name>.<option>
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
    # keyed so presentation mode (ui/present.py) can move the data choice below the page's own controls
    c = container or st.sidebar.container(key=f"mx-data-{page}")
    c.header("Data")
    has_uploads = bool(uploads())
    upload_from_link(page, f"{page}.source", "Built-in")
    source = linked(
        c.segmented_control,
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
    link_upload(page, up)
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
        budget = ROW_BUDGET.get(page, DEFAULT_ROW_BUDGET)
        notes = []
        ds, n_all = _prepared(key, read_as, up, budget)
        if n_all > budget:  # past the page's row budget: a seeded sample, said with its size
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


def _prepared(key: tuple, read_as: str | None, up: Upload, budget: int) -> tuple[datasets.Dataset, int]:
    """(the prepared upload, or its seeded sample of `budget` rows past the budget; rows before sampling).
    A sample is drawn once and kept server-wide; the full prepared rows are then dropped from memory."""
    samples = cache.upload_samples()
    hit = samples.get((key, budget, ROW_SAMPLE_SEED))
    if hit is not None:
        return hit
    ds = cache.prepared_upload(key, read_as, up.filename, _table=up.table)
    if ds.n_samples <= budget:
        return ds, ds.n_samples
    n_all = ds.n_samples
    sample = cache.sample_rows(ds, budget, ROW_SAMPLE_SEED)
    samples.put((key, budget, ROW_SAMPLE_SEED), (sample, n_all))
    cache.prepared_upload.forget(key, read_as, up.filename)  # its rows live on only in the sample
    return sample, n_all


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
