"""Reading and validating uploaded tables: bytes -> Table -> ScoreTable (ROC) or Dataset (models).

Every problem raises a ValueError whose message says what was expected, what arrived and what
to do. The app shows these messages verbatim to the person who uploaded the file, so they are
written for a scientist, not a programmer.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ml.datasets import TASKS, Dataset
from ml.photometry import BANDS, COLOURS, derive_colours, has_ugriz

MAX_UPLOAD_MB = 200  # matches .streamlit/config.toml server.maxUploadSize
MAX_CLASSES = 50  # more distinct values than this is not a class label
MAX_ONEHOT_CATEGORIES = 30  # per column, for non_numeric="onehot"
MIN_ROWS = 10  # fewest rows to_dataset accepts
REGRESSION_MIN_DISTINCT = 20  # a numeric target with more distinct values is inferred as regression

_SNIFF_BYTES = 64 * 1024
_SNIFF_ROWS = 50
_DELIMITERS = (",", ";", "\t", "|")
_WHITESPACE = r"\s+"
_DELIM_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|' characters", _WHITESPACE: "spaces"}
_NA_WORDS = frozenset({"", "nan", "-nan", "na", "n/a", "#n/a", "null", "none", "<na>"})
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")

_LABEL_NAMES = ("label", "labels", "y", "target", "class", "truth", "is_signal", "issignal", "signal", "y_true",
                "ytrue", "true", "category", "outcome", "diagnosis", "species", "type")  # fmt: skip
_SCORE_WORDS = ("score", "prob", "proba", "pred", "output", "logit", "disc", "bdt", "mva", "nn", "dnn", "p_")
_POSITIVE_WORDS = ("1", "+1", "1.0", "true", "yes", "y", "t", "signal", "sig", "s", "photon", "gamma", "positive",
                   "pos", "malignant", "anomaly", "outlier", "fraud", "spam", "planet", "pulsar")  # fmt: skip
_ID_NAMES = frozenset({"id", "index", "idx", "rowid", "row", "objid", "specobjid", "objectid", "uid"})
_SDSS_META = frozenset({"objid", "specobjid", "ra", "dec", "run", "rerun", "camcol", "field", "plate", "mjd",
                        "fiberid", "class", "subclass", "redshift", "z_err", "zerr", "zwarning", "type"})  # fmt: skip
_SDSS_EXTRA = ("class", "subclass", "redshift", "ra", "dec", "objid", "specobjid")
_KIND_WORDS = {"boolean": "true/false values", "categorical": "categories", "text": "text"}
_SDSS_MISSING = -9999.0  # SDSS's placeholder for a magnitude that could not be measured


# ---------------------------------------------------------------------------------------------
# Reading bytes
# ---------------------------------------------------------------------------------------------


@dataclass
class Table:
    """An uploaded table, what the user should know about how it was read, and its SHA-256."""

    df: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sha256: str = ""


def read_table(data: bytes, filename: str = "upload.csv") -> Table:
    """Read uploaded CSV bytes into a Table, or raise ValueError saying what is wrong and how to fix it."""
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ValueError(f"Expected the file's contents as bytes, got {type(data).__name__}.")
    name = f'"{filename}"' if filename else "The file"
    sha = hashlib.sha256(data).hexdigest()
    _check_size_and_emptiness(data, name)
    notes: list[str] = []
    data = _check_binary_and_decode(data, name, filename or "", notes)

    if b"\n" not in data[:_SNIFF_BYTES] and b"\r" in data[:_SNIFF_BYTES]:
        data = data.replace(b"\r", b"\n")  # old Mac line endings
    sniff = _SNIFF_BYTES + _header_end(data)  # always the whole header line, however wide
    lines = data[:sniff].decode("utf-8", errors="replace").split("\n")
    if len(data) > sniff:
        lines = lines[:-1]  # the last line of the sample may be cut short
    lines = [ln.rstrip("\r") for ln in lines]
    header_at, sep, header_cells = _find_header(lines, name, notes)
    _check_header(header_cells, lines[header_at], sep, name)
    decimal = _sniff_decimal(lines[header_at + 1 :], sep, notes)

    df = _parse(data, sep=sep, decimal=decimal, skiprows=header_at, name=name, notes=notes)
    if len(df.columns) == len(header_cells):
        df.columns = [c if c else f"Unnamed: {i}" for i, c in enumerate(header_cells)]
    else:  # unusual quoting in the header; keep pandas' names, tidied
        df.columns = [str(c).strip() for c in df.columns]
    df = _drop_empty(df, notes)
    df = _strip_text(df)
    if len(df) == 0:
        raise ValueError(
            f"{name} has a header row ({_short(', '.join(header_cells))}) but no data rows below it. "
            "Add the data rows, one per line, under the header."
        )
    if len(df.columns) < 2:
        raise ValueError(
            f"{name} has only one column with data ({_q(df.columns[0])}). ML Explorer needs at least two "
            "columns, for example a label and a score."
        )
    return Table(df=df, notes=notes, sha256=sha)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV bytes without the index (for download buttons)."""
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _header_end(data: bytes) -> int:
    """Offset of the end of the first line that is neither blank nor a '#' comment."""
    pos = 0
    for _ in range(1000):
        end = data.find(b"\n", pos)
        if end < 0:
            return len(data)
        line = data[pos:end].strip()
        if line and not line.startswith(b"#"):
            return end
        pos = end + 1
    return pos


def _check_size_and_emptiness(data: bytes, name: str) -> None:
    if len(data) == 0:
        raise ValueError(f"{name} is empty (0 bytes). Upload a CSV file with a header row and data rows.")
    limit = MAX_UPLOAD_MB * 1024 * 1024
    if len(data) > limit:
        raise ValueError(
            f"{name} is {len(data) / 1024**2:,.0f} MB; the limit is {MAX_UPLOAD_MB} MB. Upload a sample "
            "of the rows, or only the columns you need."
        )
    if not data[:_SNIFF_BYTES].strip() and not data.strip():
        raise ValueError(
            f"{name} is empty: it holds only blank lines or spaces. Upload a CSV file with a header row "
            "and data rows."
        )


_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "looks like an Excel workbook (.xls)",
     "In Excel, use File > Save As > CSV UTF-8 and upload that file."),
    (b"\x1f\x8b", "is gzip-compressed", "Decompress it first (for example with gunzip) and upload the CSV inside."),
    (b"\x89PNG\r\n\x1a\n", "is a PNG image", "Upload the data as a CSV file instead of a picture of it."),
    (b"\xff\xd8\xff", "is a JPEG image", "Upload the data as a CSV file instead of a picture of it."),
    (b"%PDF", "is a PDF document", "Export the table from its source as a CSV file and upload that."),
    (b"PAR1", "is a Parquet file",
     "Convert it to CSV first, for example with pandas: pd.read_parquet(path).to_csv('table.csv', index=False)."),
    (b"SIMPLE  =", "is a FITS file",
     "Convert the table to CSV first, for example with astropy: Table.read(path).write('table.csv')."),
    (b"\x89HDF\r\n\x1a\n", "is an HDF5 file", "Export the table you need as a CSV file and upload that."),
)  # fmt: skip


def _check_binary_and_decode(data: bytes, name: str, filename: str, notes: list[str]) -> bytes:
    """Refuse binary files; return the data as UTF-8 bytes without a BOM, noting any conversion."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        head = data[:4096]
        if b"opendocument.spreadsheet" in head or filename.lower().endswith(".ods"):
            what = "looks like a LibreOffice spreadsheet (.ods)"
            advice = "Use File > Save As > Text CSV and upload that file."
        elif (
            b"xl/" in head or b"[Content_Types].xml" in head or filename.lower().endswith((".xlsx", ".xlsm"))
        ):
            what = "looks like an Excel workbook (.xlsx)"
            advice = "In Excel, use File > Save As > CSV UTF-8 and upload that file."
        else:
            what = "looks like a zip archive (an Excel workbook is one too)"
            advice = "If it is an Excel workbook, save it as CSV; if it is a zip file, unzip it and upload the CSV."
        raise ValueError(f"{name} {what}, not a CSV text file. {advice}")
    for magic, what, advice in _MAGIC:
        if data.startswith(magic):
            raise ValueError(f"{name} {what}, not a CSV text file. {advice}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ValueError(
                f"{name} starts like UTF-16 text but could not be decoded. Save it as CSV UTF-8 and upload again."
            ) from None
        notes.append(
            "The file is UTF-16 text (as Excel's 'Unicode Text' export writes); it was converted to UTF-8."
        )
        return text.encode("utf-8")
    if b"\x00" in data[:8192]:
        raise ValueError(
            f"{name} looks like a binary file (it contains NUL bytes), not a CSV text file. Save the table "
            "as CSV (comma-separated text) and upload that."
        )
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    if _is_utf8(data):
        return data
    try:
        text, codec = data.decode("cp1252"), "Latin-1 (Windows-1252)"
    except UnicodeDecodeError:
        text, codec = data.decode("latin-1"), "Latin-1"
    notes.append(
        f"The file is not UTF-8; it was read as {codec} — check that accented characters look right. "
        "Saving as 'CSV UTF-8' avoids this."
    )
    return text.encode("utf-8")


def _is_utf8(data: bytes) -> bool:
    """Whether `data` is valid UTF-8, checked in 1 MB pieces so no large string is built."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    step = 1 << 20
    try:
        for start in range(0, len(data), step):
            decoder.decode(view[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _split(line: str, sep: str) -> list[str]:
    if sep == _WHITESPACE:
        return line.split()
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return line.split(sep)


def _field_counts(lines: list[str], sep: str) -> list[int]:
    if sep == _WHITESPACE:
        return [len(ln.split()) for ln in lines if ln.strip()]
    try:
        reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sep)
        return [len(row) for row in reader if row and any(cell.strip() for cell in row)]
    except csv.Error:
        return [len(ln.split(sep)) for ln in lines if ln.strip()]


def _sniff_sep(lines: list[str]) -> str | None:
    """The delimiter among , ; tab | (then runs of spaces) that splits the sample most consistently."""
    best, best_key = None, None
    for sep in (*_DELIMITERS, _WHITESPACE):
        counts = _field_counts(lines, sep)
        if not counts or counts[0] < 2:
            continue
        rest = counts[1:]
        consistency = sum(n == counts[0] for n in rest) / len(rest) if rest else 1.0
        if sep == _WHITESPACE and (best is not None or consistency < 0.9):
            continue  # spaces only when no real delimiter splits the header
        key = (consistency, counts[0])
        if best_key is None or key > best_key:
            best, best_key = sep, key
    return best


def _find_header(lines: list[str], name: str, notes: list[str]) -> tuple[int, str, list[str]]:
    """Index of the header line among `lines`, the delimiter, and the header's cells."""
    hashes: list[int] = []
    first = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            hashes.append(i)
            continue
        first = i
        break
    if first is None:  # only comment lines in the sample
        raise ValueError(
            f"{name} has no header row: every non-blank line at the top starts with '#'. Add a header row "
            "such as label,score above the data."
        )
    sample = lines[first : first + _SNIFF_ROWS]
    sep = _sniff_sep(sample)
    if sep is None:
        raise ValueError(
            f"Only one column was found in {name}: the first row reads {_q(_short(lines[first].strip()))}. "
            "ML Explorer needs at least two columns, for example a label and a score, separated by commas "
            "(semicolons, tabs and '|' also work). Save the table as CSV and upload it again."
        )
    header_at = first
    cells = [c.strip() for c in _split(lines[first], sep)]
    if hashes:
        last = lines[hashes[-1]].strip().lstrip("#").strip()
        hash_cells = [c.strip() for c in _split(last, sep)]
        if len(hash_cells) == len(cells) >= 2 and all(_NUMBER.match(c) for c in cells if c):
            header_at, cells = hashes[-1], hash_cells  # numpy.savetxt style: "# label,score"
            hashes = hashes[:-1]
        if hashes:
            n = len(hashes)
            notes.append(
                f"Skipped {n} comment line{'s' if n > 1 else ''} starting with '#' at the top of the file."
            )
    if sep != ",":
        notes.append(f"Columns are separated by {_DELIM_WORDS[sep]}.")
    return header_at, sep, cells


def _check_header(cells: list[str], line: str, sep: str, name: str) -> None:
    named = [c for c in cells if c]
    if named and all(_NUMBER.match(c) for c in named) and len(named) == len(cells):
        raise ValueError(
            f"{name} seems to have no header row: the first row ({_q(_short(line.strip()))}) looks like data, "
            "not column names. Add a header row such as label,score as the first line."
        )
    seen: dict[str, int] = {}
    for c in named:
        seen[c] = seen.get(c, 0) + 1
    dups = [c for c, n in seen.items() if n > 1]
    if dups:
        listed = ", ".join(f"{_q(c)} ({seen[c]} times)" for c in dups)
        raise ValueError(
            f"{name} has duplicate column names in its header row: {listed}. Each column needs its own "
            "name; rename the repeats (for example score_1, score_2) and upload again."
        )


def _sniff_decimal(data_lines: list[str], sep: str, notes: list[str]) -> str:
    """',' when a non-comma-separated file writes numbers with decimal commas (0,5), else '.'."""
    if sep == ",":
        return "."
    commas = points = 0
    for line in data_lines[:_SNIFF_ROWS]:
        for cell in _split(line, sep):
            cell = cell.strip()
            commas += bool(_DECIMAL_COMMA.match(cell))
            points += bool(_DECIMAL_POINT.match(cell))
    if commas and not points:
        notes.append("Numbers are written with decimal commas (such as 0,5); they were read as decimals.")
        return ","
    return "."


def _parse(
    data: bytes, *, sep: str, decimal: str, skiprows: int, name: str, notes: list[str]
) -> pd.DataFrame:
    kwargs = {"sep": sep, "decimal": decimal, "header": 0}
    if skiprows:
        kwargs["skiprows"] = skiprows
    # pyarrow is fast but quietly swallows an unclosed quote; the C parser reports it.
    use_arrow = sep != _WHITESPACE and data.count(b'"') % 2 == 0
    if use_arrow:
        try:
            return pd.read_csv(io.BytesIO(data), engine="pyarrow", **kwargs)
        except Exception as exc:  # any pyarrow failure: retry with the C parser, whose messages are clearer
            m = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
            if m and int(m.group(2)) < int(m.group(1)):
                notes.append(
                    "Some rows have fewer values than the header row; their missing cells were left empty."
                )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(io.BytesIO(data), engine="c", **kwargs)
    except pd.errors.ParserError as exc:
        raise ValueError(_parser_message(str(exc), name, sep)) from None
    except (ValueError, pd.errors.EmptyDataError) as exc:
        raise ValueError(
            f"{name} could not be read as a table ({exc}). Check that it is a CSV file with one header row "
            "and one row per line."
        ) from None


def _parser_message(msg: str, name: str, sep: str) -> str:
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", msg)
    if m:
        n_head, line, n_seen = m.groups()
        word = _DELIM_WORDS.get(sep, "separators")[:-1]
        return (
            f"Line {line} of {name} has {n_seen} values but the header row has {n_head} columns. A value "
            f"probably contains an extra {word} (for example inside a name): put such values in double "
            f"quotes, or remove the extra {word}. A column without a name in the header causes this too."
        )
    m = re.search(r"EOF inside string starting at row (\d+)", msg)
    if m:
        return (
            f'{name} has a double quote (") that is opened but never closed, near data row {m.group(1)}, so '
            "the rest of the file would be read as one value. Check the quotes: a quote inside a quoted value "
            'must be doubled ("").'
        )
    return f"{name} could not be read as a table ({msg}). Check that every row has the same columns as the header."


def _strip_text(df: pd.DataFrame) -> pd.DataFrame:
    """Trim spaces around text values ("a, b" style files), for columns whose sample shows them."""
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_string_dtype(s.dtype) and not pd.api.types.is_object_dtype(s.dtype):
            head = s.iloc[:1000].dropna()
            if len(head) and (head.str.len() != head.str.strip().str.len()).any():
                df[c] = s.str.strip()
    return df


def _drop_empty(df: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Drop unnamed all-empty columns (a trailing separator) and rows with no values at all."""
    empty_cols = [c for c in df.columns if str(c).startswith("Unnamed: ") and df[c].isna().all()]
    if empty_cols:
        df = df.drop(columns=empty_cols)
        notes.append(
            f"Dropped {len(empty_cols)} empty column(s) without a name (often a trailing separator)."
        )
    if len(df.columns):
        blank = df.isna().all(axis=1).to_numpy()
        n_blank = int(blank.sum())
        if n_blank:
            df = df.loc[~blank].reset_index(drop=True)
            notes.append(f"Dropped {n_blank:,} row(s) with no values at all.")
    return df


# ---------------------------------------------------------------------------------------------
# Column roles
# ---------------------------------------------------------------------------------------------


def column_kinds(df: pd.DataFrame) -> dict[str, str]:
    """Each column's kind: "numeric", "boolean", "categorical" (at most 50 values) or "text"."""
    return {c: _kind(df[c]) for c in df.columns}


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or isinstance(s.dtype, pd.PeriodDtype):
        return "text"
    values = s.dropna()
    if len(values) == 0:
        return "text"
    if _is_boolean_like(values):
        return "boolean"
    if _is_numeric_like(values):
        return "numeric"
    n_unique = _nunique_capped(values, MAX_CLASSES)
    if n_unique <= MAX_CLASSES and not (n_unique == len(values) and len(values) > 10):
        return "categorical"
    return "text"


def _is_boolean_like(values: pd.Series) -> bool:
    head = values.iloc[:1000]
    if not all(isinstance(v, (bool, np.bool_, str)) for v in head):
        return False
    words = ("true", "false")
    if not head.astype(str).str.strip().str.lower().isin(words).all():
        return False
    return bool(values.astype(str).str.strip().str.lower().isin(words).all())


def _is_numeric_like(values: pd.Series) -> bool:
    """Strings that are all numbers ("0.5", " 3"); a sample is tried first so text fails fast."""
    head = values.iloc[:1000]
    if any(isinstance(v, (bool, np.bool_)) for v in head):
        return False
    if pd.to_numeric(head, errors="coerce").isna().any():
        return False
    return not pd.to_numeric(values, errors="coerce").isna().any()


def _nunique_capped(values: pd.Series, cap: int) -> int:
    """Distinct values, but a cheap lower bound above `cap` when a sample already has more."""
    sample = values.iloc[:20000].nunique()
    if sample > cap:
        return sample
    return values.nunique()


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9_]", "", str(name).lower())


def label_candidates(df: pd.DataFrame) -> list[str]:
    """Columns usable as class labels (2..50 distinct values), best guess first."""
    found = []
    for pos, c in enumerate(df.columns):
        s = df[c].dropna()
        n = _nunique_capped(s, MAX_CLASSES)
        if not 2 <= n <= MAX_CLASSES or (n == len(s) and n > 2):
            continue  # every value different: an identifier or a measurement, not a class
        kind = _kind(df[c])
        if kind == "numeric" and not _integer_valued(s):
            name_rank = 3  # a float column with few values: possible, but unlikely
        else:
            name_rank = _label_name_rank(c)
        found.append(((name_rank, n != 2, pos), c))
    return [c for _, c in sorted(found, key=lambda t: t[0])]


def _label_name_rank(name: object) -> int:
    norm = _norm(name)
    if norm in _LABEL_NAMES:
        return 0
    if any(w in norm for w in ("label", "class", "target", "truth", "signal")):
        return 1
    if any(w in norm for w in _SCORE_WORDS):
        return 3
    return 2


def _integer_valued(s: pd.Series) -> bool:
    values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    return bool(np.all(values == np.round(values)))


def score_candidates(df: pd.DataFrame, label: str | None = None) -> list[str]:
    """Numeric (or boolean) columns other than `label`, likely scores first."""
    kinds = column_kinds(df)
    found = []
    for pos, (c, kind) in enumerate(kinds.items()):
        if c == label or kind not in ("numeric", "boolean"):
            continue
        norm = _norm(c)
        if any(w in norm for w in _SCORE_WORDS):
            rank = 0
        elif _is_index_like_name(c) or norm in _LABEL_NAMES:
            rank = 2
        else:
            rank = 1
        found.append(((rank, pos), c))
    return [c for _, c in sorted(found)]


def label_values(series: pd.Series) -> list:
    """The distinct non-missing values of `series`, sorted, as plain Python values."""
    _, uniques = pd.factorize(series, use_na_sentinel=True)
    return sorted((_py(v) for v in uniques), key=_sort_key)


def default_positive(values: list):
    """The value most likely meant as the positive class (1, True, "signal", "yes", …), else the last."""
    values = list(values)
    if not values:
        raise ValueError("There are no label values to choose a positive class from.")
    for v in values:
        if isinstance(v, (bool, np.bool_)) and bool(v):
            return v
    numbers = [v for v in values if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)]
    if numbers and len(numbers) == len(values) and set(numbers) <= {-1, 0, 1} and 1 in numbers:
        return next(v for v in values if v == 1)
    words = {str(v).strip().lower(): v for v in values if isinstance(v, str)}
    for w in _POSITIVE_WORDS:
        if w in words:
            return words[w]
    return sorted(values, key=_sort_key)[-1]


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


def _sort_key(v):
    if isinstance(v, (bool, int, float, np.number)):
        return (0, float(v), "")
    return (1, 0.0, str(v))


# ---------------------------------------------------------------------------------------------
# Labels and scores for the ROC explorer
# ---------------------------------------------------------------------------------------------


class NonFiniteScores(ValueError):
    """Some scores are NaN or ±inf; `n_rows` rows are affected, `columns` counts them per column."""

    def __init__(self, message: str, n_rows: int = 0, columns: dict[str, int] | None = None):
        super().__init__(message)
        self.n_rows = n_rows
        self.columns = dict(columns or {})

    def __reduce__(self):
        return (type(self), (str(self), self.n_rows, self.columns))


@dataclass
class ScoreTable:
    """Validated labels and scores: y (True = positive), float64 scores per column (treat as read-only)."""

    y: np.ndarray
    scores: dict[str, np.ndarray]
    positive: object
    classes: list
    labels: np.ndarray
    n_dropped: int = 0
    notes: list[str] = field(default_factory=list)


def prepare_scores(
    df: pd.DataFrame,
    label: str,
    score_cols: list[str],
    positive=None,
    *,
    drop_nonfinite: bool = False,
) -> ScoreTable:
    """Check a label column and score columns and turn them into arrays for ROC curves."""
    if label not in df.columns:
        raise ValueError(f"There is no column {_q(label)} to use as the label. The columns are {_cols(df)}.")
    score_cols = [score_cols] if isinstance(score_cols, str) else list(score_cols or [])
    if not score_cols:
        raise ValueError("No score column was chosen. Pick at least one column of classifier scores.")
    missing = [c for c in score_cols if c not in df.columns]
    if missing:
        raise ValueError(
            f"There is no column {_q(missing[0])} to use as a score. The columns are {_cols(df)}."
        )
    if label in score_cols:
        raise ValueError(
            f"{_q(label)} is chosen both as the label and as a score. The score should be the classifier's "
            "output; pick a different column for one of them."
        )
    if len(set(score_cols)) != len(score_cols):
        score_cols = list(dict.fromkeys(score_cols))

    s = df[label]
    n = len(s)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    n_nan = int((codes < 0).sum())
    if n_nan:
        raise ValueError(
            f"The label column {_q(label)} is empty (NaN) in {n_nan:,} of {n:,} rows. Every row needs a label "
            "for the ROC: drop those rows or fill in their labels, then upload the file again."
        )
    values = sorted((_py(v) for v in uniques), key=_sort_key)
    _check_label_count(values, label, n, s)

    if positive is None:
        pos = default_positive(values)
    else:
        pos = _find_value(values, positive)
        if pos is _MISSING:
            raise ValueError(
                f"The positive class {_show(positive)} is not among the values of {_q(label)}: "
                f"{_show_list(values, 10)}. Choose one of those."
            )
    notes: list[str] = []
    if len(values) > 2:
        notes.append(
            f"The label {_q(label)} has {len(values)} classes: one is the positive class (first {_show(pos)}; "
            "you can choose another) and all the others together are negative (one-vs-rest)."
        )

    scores = {c: _score_array(df[c], c) for c in score_cols}
    bad = np.zeros(n, dtype=bool)
    per_col = {}
    for c, arr in scores.items():
        nonfinite = ~np.isfinite(arr)
        count = int(nonfinite.sum())
        if count:
            per_col[c] = count
            bad |= nonfinite
    n_bad = int(bad.sum())

    pos_index = next(i for i, v in enumerate(uniques) if _py(v) == pos and type(_py(v)) is type(pos))
    y = codes == pos_index
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        labels = s.to_numpy()
    else:  # one Python object per class, shared by its rows
        labels = np.array([_py(v) for v in uniques], dtype=object)[codes]
    n_dropped = 0
    if n_bad:
        detail = ", ".join(f"{_q(c)} {k:,}" for c, k in per_col.items())
        if not drop_nonfinite:
            raise NonFiniteScores(
                f"{_n_of(n_bad, n)} a missing (NaN) or infinite score ({detail}). The ROC needs a "
                "finite score on every row: drop those rows, or fix the scores in the file.",
                n_rows=n_bad,
                columns=per_col,
            )
        keep = ~bad
        codes, y, labels = codes[keep], y[keep], labels[keep]
        scores = {c: arr[keep] for c, arr in scores.items()}
        n_dropped = n_bad
        notes.append(f"Dropped {n_bad:,} of {n:,} rows whose score was missing (NaN) or infinite ({detail}).")
        values = sorted((_py(uniques[i]) for i in np.unique(codes)), key=_sort_key)
        n_pos = int(y.sum())
        if n_pos == 0 or n_pos == len(y):
            if n_pos:
                left = f"all {len(y):,} remaining rows have the positive label {_show(pos)}"
            else:
                left = f"none of the {len(y):,} remaining rows has the positive label {_show(pos)}"
            raise ValueError(
                f"After dropping the {n_bad:,} row(s) with missing or infinite scores, {left}. The ROC needs "
                "both positive and negative examples: fix the scores in the file rather than dropping those rows."
            )

    return ScoreTable(
        y=np.asarray(y, dtype=bool),
        scores=scores,
        positive=pos,
        classes=values,
        labels=labels,
        n_dropped=n_dropped,
        notes=notes,
    )


def _check_label_count(values: list, label: str, n: int, s: pd.Series) -> None:
    if len(values) == 1:
        raise ValueError(
            f"All {n:,} rows have label {_show(values[0])} in column {_q(label)}; the ROC needs both positive "
            "and negative examples. Upload rows of the other class too, or choose another label column."
        )
    if len(values) > MAX_CLASSES:
        hint = (
            " It looks like a continuous measurement or a score, not a class label."
            if pd.api.types.is_float_dtype(s.dtype) or _kind(s) == "numeric"
            else ""
        )
        raise ValueError(
            f"The label column {_q(label)} has {len(values):,} different values.{hint} The ROC needs a label "
            "saying which class each row belongs to, ideally two values such as 0/1 or signal/background "
            f"(at most {MAX_CLASSES} classes). Choose another column as the label."
        )


_MISSING = object()


def _find_value(values: list, wanted):
    """`wanted` among `values`: an exact match first, then by its text ("1" finds 1, as from a URL)."""
    wanted = _py(wanted)
    for v in values:
        if type(v) is type(wanted) and v == wanted:
            return v
    text = str(wanted).strip()
    for v in values:
        if str(v).strip() == text or _class_name(v) == text:
            return v
    return _MISSING


def _score_array(s: pd.Series, name: str) -> np.ndarray:
    """The column as float64, booleans as 0/1, numbers in text accepted; else a clear ValueError."""
    arr, bad = _to_float(s)
    n_bad = int(bad.sum())
    if n_bad:
        examples = list(dict.fromkeys(str(v) for v in s[bad].iloc[:200]))[:3]
        hint = ""
        if any(_DECIMAL_COMMA.match(e.strip()) for e in examples):
            hint = (
                " They look like numbers with decimal commas: save the file with decimal points, or with "
                "semicolons between columns so the commas are read as decimals."
            )
        raise ValueError(
            f"The score column {_q(name)} should hold numbers, but {n_bad:,} of {len(s):,} cells are not numbers "
            f"(for example {', '.join(_q(e) for e in examples)}).{hint} Fix those cells, or choose another "
            "score column."
        )
    return arr


def _to_float(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values with NaN for missing, mask of cells that are present but not numbers)."""
    if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
        arr = s.to_numpy(dtype="float64", na_value=np.nan)
        return arr, np.zeros(len(arr), dtype=bool)
    present = s.notna().to_numpy()
    text = s.astype("str").str.strip().str.lower()
    arr = np.array(pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan))
    is_true = (text == "true").to_numpy(dtype=bool, na_value=False)
    is_false = (text == "false").to_numpy(dtype=bool, na_value=False)
    bools = [isinstance(v, (bool, np.bool_)) for v in s.iloc[:1000]] if s.dtype == object else []
    if any(bools):
        obj = s.to_numpy(dtype=object)
        is_true |= np.fromiter((v is True or v is np.True_ for v in obj), bool, len(obj))
        is_false |= np.fromiter((v is False or v is np.False_ for v in obj), bool, len(obj))
    arr[is_true] = 1.0
    arr[is_false] = 0.0
    na_word = text.isin(_NA_WORDS).to_numpy(dtype=bool, na_value=True)
    bad = present & np.isnan(arr) & ~na_word
    return arr, bad


# ---------------------------------------------------------------------------------------------
# Datasets from uploads
# ---------------------------------------------------------------------------------------------


def feature_candidates(df: pd.DataFrame, target: str) -> list[str]:
    """Columns usable as features for predicting `target`: not the target, not free text, not row ids.

    For an SDSS ugriz table the colours u-g, g-r, r-i, i-z are offered too; to_dataset derives them.
    """
    kinds = column_kinds(df)
    out = [
        c
        for c in df.columns
        if c != target and kinds[c] != "text" and not (_is_index_like_name(c) and df[c].is_unique)
    ]
    if has_ugriz(df):
        out += [c for c in COLOURS if c not in out and c != target]
    return out


def _is_index_like_name(name: object) -> bool:
    norm = _norm(name)
    return norm in _ID_NAMES or norm.endswith("_id") or bool(re.fullmatch(r"unnamed: \d+", str(name).lower()))


def to_dataset(
    df: pd.DataFrame,
    target: str,
    features: list[str] | None = None,
    *,
    task: str | None = None,
    non_numeric: str = "error",
    missing: str = "error",
    name: str = "upload",
) -> Dataset:
    """Turn an uploaded table into a Dataset for the classification or regression pages."""
    _check_option("non_numeric", non_numeric, ("error", "drop", "onehot"))
    _check_option("missing", missing, ("error", "drop", "impute"))
    if task is not None and task not in TASKS:
        raise ValueError(f"The task must be one of {', '.join(TASKS)} (or None to infer it), not {task!r}.")
    if target not in df.columns:
        raise ValueError(f"There is no column {_q(target)} to predict. The columns are {_cols(df)}.")
    n_rows, n_cols = df.shape
    notes: list[str] = []
    sdss = has_ugriz(df)

    if features is None:
        features = feature_candidates(df, target)
        if sdss:
            features = [c for c in features if _norm(c) not in _SDSS_META]
        if not features:
            raise ValueError(
                f"No column other than {_q(target)} can serve as a feature (numbers or categories). "
                "The table needs at least one input column besides the target."
            )
    else:
        features = list(dict.fromkeys(features))
        if not features:
            raise ValueError("No feature columns were chosen. Pick at least one column to predict from.")
        if target in features:
            raise ValueError(
                f"The target {_q(target)} is also among the features. A model that is shown the answer learns "
                "nothing useful: remove it from the features."
            )
        allowed = set(df.columns) | (set(COLOURS) if sdss else set())
        unknown = [c for c in features if c not in allowed]
        if unknown:
            raise ValueError(
                f"There is no column {', '.join(_q(c) for c in unknown)} in the table. The columns are {_cols(df)}."
            )

    work = df[[c for c in features if c in df.columns] + [target]].reset_index(drop=True)
    if sdss:
        work = _add_sdss_colours(df, work, features, target, notes)

    # Features: numbers in, text out (or one-hot).
    kinds = {c: _kind(work[c]) for c in features}
    text_cols = [c for c in features if kinds[c] in ("categorical", "text")]
    if text_cols:
        if non_numeric == "error":
            listed = ", ".join(
                f"{_q(c)} (e.g. {_show_list(list(work[c].dropna().unique()[:2]), 2)})" for c in text_cols
            )
            raise ValueError(
                f"These feature columns hold text, not numbers: {listed}. Models need numbers. Choose "
                '"drop" to leave them out, or "onehot" to turn each category into its own 0/1 column.'
            )
        if non_numeric == "drop":
            features = [c for c in features if c not in text_cols]
            work = work.drop(columns=text_cols)
            notes.append(f"Left out the text column(s) {', '.join(_q(c) for c in text_cols)}.")
            if not features:
                raise ValueError(
                    "Every chosen feature column holds text, so none is left after dropping them. Choose "
                    '"onehot" to encode the categories, or pick numeric feature columns.'
                )
        else:
            for c in text_cols:
                k = work[c].nunique()
                if k > MAX_ONEHOT_CATEGORIES:
                    raise ValueError(
                        f"The feature column {_q(c)} has {k:,} different values, too many to one-hot encode "
                        f"(at most {MAX_ONEHOT_CATEGORIES}). It is probably free text or an identifier: "
                        'leave it out of the features, or choose "drop".'
                    )
    numeric_cols = [c for c in features if c not in text_cols]
    for c in numeric_cols:
        arr = np.array(_to_float(work[c])[0])
        arr[~np.isfinite(arr)] = np.nan
        work[c] = arr

    if pd.api.types.is_float_dtype(work[target]):  # an infinite target is as unusable as a missing one
        t = work[target].to_numpy(dtype=float, copy=True)
        n_inf = int(np.isinf(t).sum())
        if n_inf:
            t[np.isinf(t)] = np.nan
            work[target] = t
            notes.append(f"{_rows(n_inf, verb=False)} had an infinite target value; they count as missing.")

    work, dropped = _handle_missing(work, features, numeric_cols, target, missing, notes)
    if text_cols and non_numeric == "onehot":
        dummies = pd.get_dummies(work[text_cols].astype("str"), prefix_sep="=", dtype="float64")
        work = pd.concat([work.drop(columns=text_cols), dummies], axis=1)
        features = numeric_cols + list(dummies.columns)
        notes.append(
            f"One-hot encoded {', '.join(_q(c) for c in text_cols)} into {dummies.shape[1]} 0/1 columns."
        )

    if len(work) < MIN_ROWS:
        why = f" after dropping {_rows(dropped, verb=False)} with missing values" if dropped else ""
        raise ValueError(
            f"Only {_rows(len(work), verb=False)} {'is' if len(work) == 1 else 'are'} left{why}; at least {MIN_ROWS} are needed to train and test a model. "
            "Upload more rows."
        )

    y, task, class_names = _encode_target(work[target], target, task, notes)
    X = work[features].astype("float64").reset_index(drop=True)
    extra = None
    if sdss:
        extra_cols = [c for c in _SDSS_EXTRA if c in df.columns and c != target and c not in features]
        if extra_cols:
            extra = df[extra_cols].iloc[work.index.to_numpy()].reset_index(drop=True)
            notes.append(f"Kept {', '.join(_q(c) for c in extra_cols)} alongside (not used as features).")

    what = f"{task}, {len(class_names)} classes" if class_names else task
    used = f" ({len(X):,} used)" if len(X) != n_rows else ""
    description = (
        f"Uploaded table: {n_rows:,} rows × {n_cols} columns{used}; predicting {_q(target)} ({what}) from "
        f"{X.shape[1]} feature{'s' if X.shape[1] != 1 else ''}."
    )
    if sdss:
        description += (
            " Recognised as an SDSS ugriz table (a SkyServer export): the colours u-g, g-r, r-i, i-z "
            "were derived from the magnitudes."
        )
    if notes:
        description += " " + " ".join(notes)
    return Dataset(
        name=name,
        X=X,
        y=y.reset_index(drop=True),
        task=task,
        description=description,
        source="uploaded file",
        simulated=False,
        class_names=class_names,
        target_name=str(target),
        extra=extra,
    )


def _check_option(param: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{param} must be one of {', '.join(repr(a) for a in allowed)}, not {value!r}.")


def _add_sdss_colours(
    df: pd.DataFrame, work: pd.DataFrame, features: list[str], target: str, notes: list[str]
) -> pd.DataFrame:
    """Add the colour columns the features ask for, treating SDSS's -9999 magnitudes as missing."""
    mags = df[list(BANDS)].reset_index(drop=True).apply(pd.to_numeric, errors="coerce")
    placeholder = mags.eq(_SDSS_MISSING)
    n_placeholder = int(placeholder.any(axis=1).sum())
    if n_placeholder:
        mags = mags.mask(placeholder)
        notes.append(
            f"{_rows(n_placeholder)} a magnitude of -9999 (SDSS's 'not measured'); it counts as missing."
        )
        for b in BANDS:
            if b in work.columns and b != target:
                work[b] = mags[b]
    colours = derive_colours(mags)
    for c in COLOURS:
        if c in features and c not in df.columns:
            work[c] = colours[c].to_numpy()
    return work


def _handle_missing(
    work: pd.DataFrame,
    features: list[str],
    numeric_cols: list[str],
    target: str,
    missing: str,
    notes: list[str],
) -> tuple[pd.DataFrame, int]:
    """Apply the `missing` policy; returns the table and how many rows were dropped."""
    na = work[features].isna()
    target_na = work[target].isna().to_numpy()
    row_na = na.any(axis=1).to_numpy() | target_na
    n_na = int(row_na.sum())
    if not n_na:
        return work, 0
    per_col = {c: int(k) for c, k in na.sum().items() if k}
    if target_na.any():
        per_col = {target: int(target_na.sum()), **per_col}
    detail = ", ".join(f"{_q(c)} {k:,}" for c, k in list(per_col.items())[:8])
    if missing == "error":
        tail = " Rows without a target value can only be dropped." if target_na.any() else ""
        raise ValueError(
            f'{_n_of(n_na, len(work))} missing (or infinite) values ({detail}). Choose "drop" to '
            'remove those rows, or "impute" to fill the gaps with each column\'s median (its most common '
            f"value for text columns).{tail}"
        )
    if missing == "drop":
        notes.append(f"Dropped {_rows(n_na, verb=False)} with missing values ({detail}).")
        return work.loc[~row_na], n_na
    # impute: features only; a target is never made up
    dropped = int(target_na.sum())
    if dropped:
        work = work.loc[~target_na]
        notes.append(f"Dropped {_rows(dropped, verb=False)} without a value for the target {_q(target)}.")
    filled = 0
    work = work.copy()
    for c in features:
        gaps = work[c].isna()
        k = int(gaps.sum())
        if not k:
            continue
        if c in numeric_cols:
            fill = work[c].median()
        else:
            modes = work[c].mode()
            fill = modes.iloc[0] if len(modes) else np.nan
        if pd.isna(fill):
            raise ValueError(
                f"The feature column {_q(c)} has no values at all, so there is nothing to fill its gaps with. "
                "Leave it out of the features."
            )
        work[c] = work[c].fillna(fill)
        filled += k
    if filled:
        notes.append(
            f"Filled {filled:,} missing feature values with each column's median (most common value for text)."
        )
    return work, dropped


def _encode_target(
    t: pd.Series, target: str, task: str | None, notes: list[str]
) -> tuple[pd.Series, str, tuple[str, ...]]:
    """The target as float (regression) or int codes 0..k-1 with class names (classification)."""
    kind = _kind(t)
    if task is None:
        if kind == "numeric" and t.nunique() > REGRESSION_MIN_DISTINCT:
            task = "regression"
        else:
            task = "binary" if t.nunique() <= 2 else "multiclass"
    if task == "regression":
        if kind != "numeric":
            examples = _show_list(label_values(t)[:3], 3)
            raise ValueError(
                f"The target {_q(target)} holds {_KIND_WORDS[kind]} ({examples}), not numbers; regression predicts a "
                "number. Use the classification page for categories, or choose a numeric target column."
            )
        y, _ = _to_float(t)
        if np.nanmin(y) == np.nanmax(y):
            raise ValueError(
                f"Every row has the same target value ({_show(_py(y[0]))}) in {_q(target)}, so there is nothing "
                "to predict. Choose another target column."
            )
        return pd.Series(y, name=target), task, ()

    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    values = sorted((_py(v) for v in uniques), key=_sort_key)
    k = len(values)
    if k == 1:
        raise ValueError(
            f"All {len(t):,} rows have the target {_show(values[0])} in {_q(target)}; a classifier needs at least "
            "two classes. Upload rows of other classes too, or choose another target column."
        )
    if k > MAX_CLASSES:
        raise ValueError(
            f"The target {_q(target)} has {k:,} different values, too many to treat as classes (at most "
            f"{MAX_CLASSES}). If it is a measurement, use the regression page; otherwise choose another target "
            "column."
        )
    if task == "binary" and k > 2:
        raise ValueError(
            f"The target {_q(target)} has {k} classes ({_show_list(values, 6)}); a binary task needs exactly two. "
            "Choose the multiclass task, or a target with two values."
        )
    if task == "multiclass" and k == 2:
        task = "binary"
        notes.append("The target has two classes, so the task is binary.")
    order = {_sort_id(v): i for i, v in enumerate(values)}
    remap = np.array([order[_sort_id(_py(v))] for v in uniques], dtype="int64")
    y = pd.Series(remap[codes], name=target)
    counts = np.bincount(y.to_numpy(), minlength=k)
    rare = [values[i] for i in range(k) if counts[i] < 5]
    if rare:
        notes.append(
            f"Some classes have fewer than 5 rows ({_show_list(rare, 5)}); scores for them will be unreliable."
        )
    return y, task, tuple(_class_name(v) for v in values)


def _sort_id(v):
    return (type(v).__name__, v)


def _class_name(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------------------------------------
# Message helpers
# ---------------------------------------------------------------------------------------------


def _rows(k: int, verb: bool = True) -> str:
    """ "1 row has" / "3 rows have" (or without the verb)."""
    words = ("row", "has") if k == 1 else ("rows", "have")
    return f"{k:,} {words[0]}" + (f" {words[1]}" if verb else "")


def _n_of(k: int, n: int) -> str:
    """ "1 of 60 rows has" / "3 of 60 rows have"."""
    return f"{k:,} of {n:,} rows {'has' if k == 1 else 'have'}"


def _q(name: object) -> str:
    return f'"{name}"'


def _show(v) -> str:
    v = _py(v)
    if isinstance(v, str):
        return f"'{v}'"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _show_list(values: list, limit: int) -> str:
    shown = ", ".join(_show(v) for v in values[:limit])
    return shown + (f", … ({len(values):,} in all)" if len(values) > limit else "")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cols(df: pd.DataFrame) -> str:
    names = [str(c) for c in df.columns]
    shown = ", ".join(_q(c) for c in names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "")
