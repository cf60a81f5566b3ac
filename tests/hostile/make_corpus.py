"""The hostile upload corpus (issue 10): files a new user might upload, generated, not stored.

`corpus()` returns {file name: bytes}; `python tests/hostile/make_corpus.py OUTDIR` writes them.
Every file is small (the 2,000-column and 1 MB-cell files are the largest) except "over_limit.csv",
which is `OVER_LIMIT_MB` MB: tests lower the upload limit (ml.tables.MAX_UPLOAD_MB) below it
instead of building a 200 MB file.

Each entry names what a page must do with it in `EXPECT`: "accept" (the table is read and a page
that can use it trains/draws) or "message" (one clear message naming what is wrong). Files whose
outcome depends on the page (a label a page needs, a score column) are "either".
"""

from __future__ import annotations

import codecs
import gzip
import io
import pickle
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np

OVER_LIMIT_MB = 2.5
SEED = 0


def _csv(rows: list[list], sep: str = ",", eol: str = "\n") -> bytes:
    return eol.join(sep.join(str(v) for v in r) for r in rows).encode() + eol.encode()


def _table(n: int = 60, seed: int = SEED, labels=("star", "galaxy")) -> list[list]:
    """A small clean table: three features, a label and a score (header first)."""
    rng = np.random.default_rng(seed)
    rows = [["a", "b", "c", "label", "score"]]
    for i in range(n):
        y = labels[i % len(labels)]
        k = labels.index(y)
        rows.append([f"{rng.normal(k, 1):.4f}", f"{rng.normal(-k, 1):.4f}", f"{rng.uniform():.4f}", y,
                     f"{min(max(rng.normal(0.3 + 0.4 * k, 0.2), 0), 1):.4f}"])  # fmt: skip
    return rows


def _png() -> bytes:
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))  # fmt: skip


def _xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buf.getvalue()


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.arange(12.0).reshape(4, 3))
    return buf.getvalue()


class _Boom:  # a pickle that would run code if anyone unpickled it (nobody must)
    def __reduce__(self):
        return (print, ("unpickled!",))


def corpus() -> dict[str, bytes]:
    base = _table()
    clean = _csv(base)
    rng = np.random.default_rng(SEED)
    files: dict[str, bytes] = {}
    # -- not tables at all
    files["empty.csv"] = b""
    files["blank_lines.csv"] = b"\n\n   \n"
    files["header_only.csv"] = b"a,b,c,label,score\n"
    files["binary.csv"] = bytes(rng.integers(0, 256, 4096, dtype=np.uint8))
    files["image.png"] = _png()
    files["pickle.pkl"] = pickle.dumps(_Boom())
    files["array.npy"] = _npy()
    files["table.csv.gz"] = gzip.compress(clean)
    files["workbook.xlsx"] = _xlsx()
    files["json.csv"] = b'[{"a": 1, "b": 2}, {"a": 3, "b": 4}]\n'
    files["html.csv"] = b"<html><body><table><tr><td>1</td></tr></table></body></html>\n"
    files["nul_bytes.csv"] = clean[:200] + b"\x00\x00" + clean[200:]
    # -- encodings
    files["utf16_bom.csv"] = codecs.BOM_UTF16_LE + clean.decode().encode("utf-16-le")
    files["utf16_no_bom.csv"] = clean.decode().encode("utf-16-le")
    files["utf16_be_bom.csv"] = codecs.BOM_UTF16_BE + clean.decode().encode("utf-16-be")
    files["latin1.csv"] = _csv([["température", "durée", "label"]] + [[f"{i}.5", i, "été" if i % 2 else "hiver"] for i in range(30)]).decode().encode("latin-1")
    files["utf8_bom.csv"] = codecs.BOM_UTF8 + clean
    # -- separators, decimals, line endings, quoting
    files["semicolon.csv"] = _csv(base, sep=";")
    files["tab.tsv"] = _csv(base, sep="\t")
    files["pipe.csv"] = _csv(base, sep="|")
    files["decimal_comma.csv"] = _csv([[str(v).replace(".", ",") for v in r] for r in base], sep=";")
    files["crlf.csv"] = _csv(base, eol="\r\n")
    files["cr_only.csv"] = _csv(base, eol="\r")
    files["quoted_newlines.csv"] = _csv([[*r[:3], f'"{r[3]}\nline two"' if i else r[3], r[4]] for i, r in enumerate(base)])
    files["trailing_separators.csv"] = b"\n".join(line + b"," for line in clean.splitlines()) + b"\n"
    files["comment_preamble.csv"] = b"#Table1\n# exported from SkyServer\n" + clean
    files["blank_lines_inside.csv"] = clean.replace(b"\n", b"\n\n", 10)
    # -- names
    files["duplicate_names.csv"] = _csv([["a", "a", "b", "label", "score"]] + base[1:])
    files["empty_names.csv"] = _csv([["", "b", "", "label", "score"]] + base[1:])
    files["long_name.csv"] = _csv([["x" * 10_000, "b", "c", "label", "score"]] + base[1:])
    files["unicode_names.csv"] = _csv([["α 🚀", "עברית", "c\u200b", "label", "score"]] + base[1:])
    # -- shape
    files["ragged_long.csv"] = clean + b"1,2,3,star,0.5,extra,more\n"
    files["ragged_short.csv"] = clean + b"1,2\n"
    files["one_row.csv"] = _csv(base[:2])
    files["two_rows.csv"] = _csv(base[:3])
    files["one_column.csv"] = _csv([[r[0]] for r in base])
    files["one_class.csv"] = _csv(_table(labels=("star",)))
    files["many_classes.csv"] = _csv([["a", "b", "label"]] + [[f"{rng.normal():.3f}", f"{rng.normal():.3f}", f"c{i}"] for i in range(5000)])
    files["cols_2000.csv"] = _csv([[f"f{j}" for j in range(2000)] + ["label"]]
                                  + [[f"{v:.2f}" for v in rng.normal(size=2000)] + [i % 2] for i in range(30)])  # fmt: skip
    files["cell_1mb.csv"] = _csv(base[:1] + [[*base[1][:3], "star", base[1][4]], [*base[2][:2], "z" * 1_000_000, "galaxy", base[2][4]]] + base[3:])
    files["duplicated_rows.csv"] = _csv(base[:1] + [base[1]] * 50 + [base[2]] * 50)
    # -- values
    files["nan_cells.csv"] = _csv([r if i % 7 else [r[0], "", "NaN", r[3], r[4]] for i, r in enumerate(base)] if False else
                                  [base[0]] + [[r[0], "" if i % 7 == 0 else r[1], "NaN" if i % 5 == 0 else r[2], r[3], r[4]] for i, r in enumerate(base[1:])])  # fmt: skip
    files["inf_cells.csv"] = _csv([base[0]] + [[("inf" if i == 3 else "-inf" if i == 9 else r[0]), *r[1:]] for i, r in enumerate(base[1:])])
    files["huge_features.csv"] = _csv([base[0]] + [[("1e308" if i == 4 else "-1e308" if i == 11 else r[0]), *r[1:]] for i, r in enumerate(base[1:])])
    files["huge_scores.csv"] = _csv([base[0]] + [[*r[:4], ("1e308" if i == 2 else "-1e308" if i == 8 else r[4])] for i, r in enumerate(base[1:])])
    files["overflow.csv"] = _csv([base[0]] + [[("1e309" if i == 5 else r[0]), *r[1:]] for i, r in enumerate(base[1:])])
    files["stray_strings.csv"] = _csv([base[0]] + [[("oops" if i == 6 else "ten" if i == 17 else r[0]), *r[1:]] for i, r in enumerate(base[1:])])
    files["stray_in_three.csv"] = _csv([base[0]] + [[("oops" if i == 6 else r[0]), ("bad" if i == 7 else r[1]), ("?" if i == 8 else r[2]), *r[3:]] for i, r in enumerate(base[1:])])
    files["percentages.csv"] = _csv([base[0]] + [[r[0], r[1], f"{float(r[2]) * 100:.1f}%", *r[3:]] for r in base[1:]])
    files["thousands.csv"] = _csv([base[0]] + [[r[0], f'"{1000 + i * 137:,}"', *r[2:]] for i, r in enumerate(base[1:])])
    files["empty_column.csv"] = _csv([["a", "b", "empty", "label", "score"]] + [[r[0], r[1], "", r[3], r[4]] for r in base[1:]])
    files["all_text.csv"] = _csv([["name", "kind"]] + [[f"obj{i}", "star" if i % 2 else "galaxy"] for i in range(30)])
    files["constant_features.csv"] = _csv([base[0]] + [["1.0", "2.0", "3.0", r[3], r[4]] for r in base[1:]])
    files["bool_labels.csv"] = _csv([base[0]] + [[*r[:3], "True" if r[3] == "star" else "False", r[4]] for r in base[1:]])
    files["padded_labels.csv"] = _csv([base[0]] + [[*r[:3], " star" if i % 3 == 0 and r[3] == "star" else r[3], r[4]] for i, r in enumerate(base[1:])])
    files["mixed_label_types.csv"] = _csv([base[0]] + [[*r[:3], ["1", "1.0", "0", "yes"][i % 4], r[4]] for i, r in enumerate(base[1:])])
    files["empty_target.csv"] = _csv([base[0]] + [[*r[:3], "", r[4]] for r in base[1:]])
    files["minus_one_labels.csv"] = _csv([base[0]] + [[*r[:3], "1" if r[3] == "star" else "-1", r[4]] for r in base[1:]])
    files["exponents.csv"] = _csv([base[0]] + [[f"{float(r[0]):+.3E}", f"{float(r[1]):.2e}", r[2], r[3], r[4]] for r in base[1:]])
    # -- injection
    files["markdown_names.csv"] = _csv([["**bold**", "[link](http://host/x)", "![t](http://host/track.png)", "label", "score"]] + base[1:])
    files["html_names.csv"] = _csv([['"<img src=x onerror=alert(1)>"', "<script>alert(1)</script>", "<b>c</b>", "label", "score"]] + base[1:])
    files["formula_names.csv"] = _csv([["=HYPERLINK(\"http://host\")", "+cmd", "@SUM(A1)", "label", "score"]] + base[1:])
    files["markdown_labels.csv"] = _csv([base[0]] + [[*r[:3], "sig![t](http://host/track.png)" if r[3] == "star" else "**bkg**", r[4]] for r in base[1:]])
    files["html_labels.csv"] = _csv([base[0]] + [[*r[:3], "<img src=x onerror=alert(1)>" if r[3] == "star" else "<i>bkg</i>", r[4]] for r in base[1:]])
    files["latex_labels.csv"] = _csv([base[0]] + [[*r[:3], "$x^2$" if r[3] == "star" else ":red[bkg]", r[4]] for r in base[1:]])
    files["markdown_one_class.csv"] = _csv([base[0]] + [[*r[:3], "sig![t](http://host/track.png)", r[4]] for r in base[1:]])
    files["markdown_three_classes.csv"] = _csv([base[0]] + [[*r[:3], ["sig![t](http://host/a.png)", "[b](http://host/b)", "c"][i % 3], r[4]] for i, r in enumerate(base[1:])])
    # -- size
    n = int(OVER_LIMIT_MB * 1024 * 1024 / 40) + 1
    files["over_limit.csv"] = b"a,b,c,label,score\n" + b"0.1234567,0.1234567,0.1234567,star,0.5\n" * n
    return files


# What a page must do with each file: "accept", "message", or "either" (depends on the page).
MESSAGE = {
    "empty.csv", "blank_lines.csv", "header_only.csv", "binary.csv", "image.png", "pickle.pkl", "array.npy",
    "table.csv.gz", "workbook.xlsx", "json.csv", "html.csv", "nul_bytes.csv", "one_column.csv", "over_limit.csv",
    "all_text.csv",
}  # fmt: skip
ACCEPT = {
    "utf16_bom.csv", "utf16_be_bom.csv", "utf8_bom.csv", "semicolon.csv", "tab.tsv", "pipe.csv",
    "decimal_comma.csv", "crlf.csv", "cr_only.csv", "comment_preamble.csv", "exponents.csv",
}  # fmt: skip


def expectation(name: str) -> str:
    return "message" if name in MESSAGE else "accept" if name in ACCEPT else "either"


def main(argv: list[str]) -> None:
    out = Path(argv[1] if len(argv) > 1 else "hostile_corpus")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in corpus().items():
        (out / name).write_bytes(data)
    print(f"{len(corpus())} files written to {out}")


if __name__ == "__main__":
    main(sys.argv)
