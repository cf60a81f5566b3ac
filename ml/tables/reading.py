"""Reading an uploaded table: a path, bytes or a file-like object -> Table (sniffing the format).

Every problem raises a ValueError whose message says what was expected, what arrived and what
to do. The app shows these messages verbatim to the person who uploaded the file, so they are
written for a scientist, not a programmer.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ml.tables.messages import _q, _short

MAX_UPLOAD_MB = 200  # matches .streamlit/config.toml server.maxUploadSize

_SNIFF_BYTES = 64 * 1024
_SNIFF_ROWS = 50
_DELIMITERS = (",", ";", "\t", "|")
_WHITESPACE = r"\s+"
_DELIM_WORDS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "'|' characters", _WHITESPACE: "spaces"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$", re.IGNORECASE)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d*\.\d+([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class ReadProgress:
    """How far `read_table` has got, passed to its `progress` callback (from the reading thread).

    phase: "checking" (size, format, encoding), "parsing" (the CSV parser reading the bytes) or
    "tidying" (empty rows and columns, spaces); bytes_done / bytes_total: of the file's bytes;
    rows_done / rows_total: estimates from the average line length of the first 64 KB (0 before it is known).
    """

    phase: str
    bytes_done: int
    bytes_total: int
    rows_done: int = 0
    rows_total: int = 0

    @property
    def fraction(self) -> float:
        """0..1 over the whole read, each phase weighted by its share of the time (measured on a 1M-row
        file: checking, a SHA-256 and a UTF-8 pass, ~20 %; parsing ~77 %; tidying the rest)."""
        part = self.bytes_done / self.bytes_total if self.bytes_total else 1.0
        start, width = {"checking": (0.0, 0.2), "parsing": (0.2, 0.77), "tidying": (0.97, 0.03)}.get(self.phase, (0, 1))
        return round(min(1.0, start + width * min(part, 1.0)), 4)


@dataclass
class Table:
    """An uploaded table, what the user should know about how it was read, and its SHA-256."""

    df: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    sha256: str = ""


def read_table(source, filename: str | None = None, progress: Callable[[ReadProgress], None] | None = None) -> Table:
    """Read a CSV table into a Table, or raise ValueError saying what is wrong and how to fix it.

    `source` is a path (str or pathlib.Path), the file's bytes, or a file-like object opened in
    binary or text mode (an open file, io.BytesIO, Streamlit's UploadedFile). `filename` names the
    file in messages; by default the path's or the object's name, else "upload.csv".
    `progress`, when given, is called with a `ReadProgress` as the parser reads each block (about
    1 MB) and at each phase; it may be called from another thread. The table is the same with or
    without it (the same parser reads the same bytes; only the reads are counted).
    """
    data, filename = _source_bytes(source, filename)
    report = progress or _no_progress
    report(ReadProgress("checking", 0, len(data)))
    name = f'"{filename}"' if filename else "The file"
    sha = hashlib.sha256(data).hexdigest()
    report(ReadProgress("checking", len(data) // 2, len(data)))
    _check_size_and_emptiness(data, name)
    notes: list[str] = []
    data = _check_binary_and_decode(data, name, filename or "", notes)
    report(ReadProgress("checking", len(data), len(data)))

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

    counter = _Counter(len(data), _bytes_per_row(data, sniff, lines), report) if progress else None
    df = _parse(data, sep=sep, decimal=decimal, skiprows=header_at, name=name, notes=notes, counter=counter)
    report(ReadProgress("tidying", 0, len(data), *(counter.rows(len(data)) if counter else (0, 0))))
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
    report(ReadProgress("tidying", len(data), len(data), len(df), len(df)))
    return Table(df=df, notes=notes, sha256=sha)


def _no_progress(_: ReadProgress) -> None:
    return None


def _bytes_per_row(data: bytes, sniff: int, lines: list[str]) -> float:
    """Average bytes per line in the sniffed sample (for the row estimates of ReadProgress)."""
    sample = min(sniff, len(data))
    n_lines = max(sum(1 for ln in lines if ln.strip()), 1)
    return max(sample / n_lines, 1.0)


class _Counter:
    """Counts the bytes a parser has read and reports them (at most once per 1 MB read)."""

    def __init__(self, total: int, bytes_per_row: float, report: Callable[[ReadProgress], None]):
        self.total, self.per_row, self.report = total, bytes_per_row, report

    def rows(self, done: int) -> tuple[int, int]:
        return int(done / self.per_row), int(self.total / self.per_row)

    def stream(self, data: bytes) -> _CountingReader:
        self.report(ReadProgress("parsing", 0, self.total, 0, self.rows(self.total)[1]))
        return _CountingReader(data, self)


class _CountingReader(io.RawIOBase):
    """A read-only stream over `data` that tells its counter how far the parser has read."""

    def __init__(self, data: bytes, counter: _Counter):
        super().__init__()
        self._buf = io.BytesIO(data)
        self._counter = counter
        self._reported = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._buf.seek(offset, whence)

    def tell(self) -> int:
        return self._buf.tell()

    def _moved(self) -> None:
        done = self._buf.tell()
        if done - self._reported >= 1 << 20 or (done >= self._counter.total > self._reported):
            self._reported = done
            c = self._counter
            c.report(ReadProgress("parsing", done, c.total, *c.rows(done)))

    def read(self, size: int = -1) -> bytes:
        out = self._buf.read(size)
        self._moved()
        return out

    def readinto(self, buffer) -> int:
        n = self._buf.readinto(buffer)
        self._moved()
        return n


def _source_bytes(source, filename: str | None) -> tuple[bytes, str]:
    """The bytes of a path, bytes or file-like `source`, and the name to call it by."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), "upload.csv" if filename is None else filename
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        shown = filename if filename is not None else path.name
        if isinstance(source, str) and "\n" in source:
            raise ValueError(
                "This text holds line breaks, so it looks like the table itself rather than a path. Pass the "
                "table's text as bytes (text.encode()), or the path of the file."
            )
        if not path.exists():
            raise ValueError(f'There is no file "{path}". Check the path (relative paths start at {Path.cwd()}).')
        if path.is_dir():
            raise ValueError(f'"{path}" is a folder, not a file. Give the path of the CSV file inside it.')
        size_mb = path.stat().st_size / 1024**2
        if size_mb > _upload_limit_mb():
            raise ValueError(
                f'"{shown}" is {size_mb:,.0f} MB; the limit is {_upload_limit_mb()} MB. Read a sample of the rows, '
                "or only the columns you need."
            )
        try:
            return path.read_bytes(), shown
        except OSError as exc:
            raise ValueError(f'"{path}" could not be read ({exc.strerror or exc}). Check that it is readable.') from None
    read = getattr(source, "read", None)
    if callable(read):
        if filename is None:
            name = getattr(source, "name", None)
            filename = Path(name).name if isinstance(name, str) and name else "upload.csv"
        data = read()
        if isinstance(data, str):  # a text-mode file: its characters, written back as UTF-8
            data = data.encode("utf-8")
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise ValueError(
                f"Reading the file gave {type(data).__name__}, not text or bytes. Pass a path, the file's bytes, "
                "or a file opened with open(path, 'rb')."
            )
        return data, filename
    raise ValueError(
        f"Expected a path, the file's contents as bytes, or an open file, got {type(source).__name__}. "
        "For example read_table('table.csv') or read_table(open('table.csv', 'rb'))."
    )


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


def _upload_limit_mb() -> float:
    """The upload limit in MB: `ml.tables.MAX_UPLOAD_MB` (the package's name, which tests and the app set)."""
    import ml.tables

    return ml.tables.MAX_UPLOAD_MB


def _check_size_and_emptiness(data: bytes, name: str) -> None:
    if len(data) == 0:
        raise ValueError(f"{name} is empty (0 bytes). Upload a CSV file with a header row and data rows.")
    limit_mb = _upload_limit_mb()
    limit = limit_mb * 1024 * 1024
    if len(data) > limit:
        raise ValueError(
            f"{name} is {len(data) / 1024**2:,.0f} MB; the limit is {limit_mb} MB. Upload a sample "
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
    data: bytes, *, sep: str, decimal: str, skiprows: int, name: str, notes: list[str], counter: _Counter | None = None
) -> pd.DataFrame:
    kwargs = {"sep": sep, "decimal": decimal, "header": 0}
    if skiprows:
        kwargs["skiprows"] = skiprows
    # pyarrow is fast but quietly swallows an unclosed quote; the C parser reports it.
    use_arrow = sep != _WHITESPACE and data.count(b'"') % 2 == 0
    if use_arrow:
        try:
            return pd.read_csv(_stream(data, counter), engine="pyarrow", **kwargs)
        except Exception as exc:  # any pyarrow failure: retry with the C parser, whose messages are clearer
            m = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
            if m and int(m.group(2)) < int(m.group(1)):
                notes.append(
                    "Some rows have fewer values than the header row; their missing cells were left empty."
                )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pd.read_csv(_stream(data, counter), engine="c", **kwargs)
    except pd.errors.ParserError as exc:
        raise ValueError(_parser_message(str(exc), name, sep)) from None
    except (ValueError, pd.errors.EmptyDataError) as exc:
        raise ValueError(
            f"{name} could not be read as a table ({exc}). Check that it is a CSV file with one header row "
            "and one row per line."
        ) from None


def _stream(data: bytes, counter: _Counter | None):
    return io.BytesIO(data) if counter is None else counter.stream(data)


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

