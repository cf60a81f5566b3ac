"""Exports: CSV tables with their settings, figures as PNG, and a one-file HTML report of a page.

Every export names the dataset, the model and its parameters twice: in its file name
(`file_name`) and inside the file (a first ``# ...`` line in a CSV: read it back with
``pd.read_csv(path, skiprows=1)``; a settings table in the HTML report).

Pure Python (pandas, plotly): no Streamlit.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from datetime import UTC, datetime

import numpy as np
import pandas as pd

PNG_SIZE = (1920, 1080)  # projector resolution (full HD)


# -- names -------------------------------------------------------------------------------------------
def slug(text, limit: int = 60) -> str:
    """A file-name-safe piece: letters, digits, '-', '_', '.', '=' only."""
    out = re.sub(r"[^A-Za-z0-9._=-]+", "-", str(text)).strip("-.")
    return (out or "x")[:limit]


def params_slug(params: dict | None, limit: int = 80) -> str:
    items = sorted((params or {}).items())
    text = "_".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in items)
    return slug(text, limit) if text else "defaults"


def file_name(page: str, dataset: str, model: str, params: dict | None, what: str, ext: str) -> str:
    """'classification_moons_tree_max_depth=3_predictions.csv'."""
    parts = [slug(page, 20), slug(dataset, 40), slug(model, 30), params_slug(params), slug(what, 30)]
    return "_".join(p for p in parts if p) + "." + ext.lstrip(".")


def meta_line(meta: dict) -> str:
    """One '# key: value · key: value' line (no newlines inside values)."""
    text = " · ".join(f"{k}: {v}" for k, v in meta.items())
    return "# ML Explorer · " + re.sub(r"[\r\n]+", " ", text)


# -- CSV ---------------------------------------------------------------------------------------------
def csv_with_meta(df: pd.DataFrame, meta: dict) -> bytes:
    """UTF-8 CSV whose first line is the settings as a comment; `pd.read_csv(..., skiprows=1)` reads it."""
    body = df.to_csv(index=False, lineterminator="\n")
    return (meta_line(meta) + "\n" + body).encode("utf-8")


def read_csv_with_meta(data: bytes) -> tuple[str, pd.DataFrame]:
    """(the settings line, the table) of a CSV written by `csv_with_meta`."""
    import io

    text = data.decode("utf-8")
    first, _, rest = text.partition("\n")
    return first, pd.read_csv(io.StringIO(rest))


def predictions_table(X: pd.DataFrame, y_true, y_pred, scores=None, score_names=None, row_ids=None) -> pd.DataFrame:
    """Test rows: their features, the true value, the prediction, and the scores (one column per class)."""
    df = pd.DataFrame(X).reset_index(drop=True).copy()
    df.insert(0, "row", np.arange(len(df)) if row_ids is None else np.asarray(row_ids))
    df["true"] = np.asarray(y_true)
    df["predicted"] = np.asarray(y_pred)
    if scores is not None:
        s = np.asarray(scores, dtype=float)
        s = s.reshape(len(df), -1)
        names = list(score_names or [f"score_{i}" for i in range(s.shape[1])])
        for i, n in enumerate(names[: s.shape[1]]):
            df[f"score_{n}"] = s[:, i]
    elif pd.api.types.is_numeric_dtype(df["true"]) and pd.api.types.is_numeric_dtype(df["predicted"]):
        df["residual"] = df["true"] - df["predicted"]
    return df


def labelled_rows(X: pd.DataFrame | None, columns: dict, n_rows: int | None = None, rows=None) -> pd.DataFrame:
    """Rows (their original index as 'row'), optional features, and named per-row columns
    (cluster labels, embedding coordinates, anomaly scores)."""
    n = n_rows if n_rows is not None else len(next(iter(columns.values())))
    df = pd.DataFrame({"row": np.arange(n) if rows is None else np.asarray(rows)})
    if X is not None:
        feats = pd.DataFrame(X).reset_index(drop=True)
        if rows is not None:
            feats = pd.DataFrame(X).iloc[np.asarray(rows)].reset_index(drop=True)
        df = pd.concat([df, feats], axis=1)
    for k, v in columns.items():
        df[k] = np.asarray(v)
    return df


# -- PNG ---------------------------------------------------------------------------------------------
def png_available() -> bool:
    """Whether Plotly's static export (kaleido) is installed here."""
    return importlib.util.find_spec("kaleido") is not None


def figure_png(fig, width: int = PNG_SIZE[0], height: int = PNG_SIZE[1], scale: float = 1.0) -> bytes:
    """The figure as a PNG (Plotly's export through kaleido and a headless Chromium).

    Raises ValueError saying what to install when kaleido is missing. Uses /usr/bin/chromium when
    kaleido finds no browser of its own (set BROWSER_PATH to choose another)."""
    import os

    if not png_available():
        raise ValueError(
            "PNG export needs the 'kaleido' package (pip install kaleido) and a Chromium; use the camera icon "
            "on the chart instead (it saves a PNG in the browser)."
        )
    if not os.environ.get("BROWSER_PATH") and os.path.exists("/usr/bin/chromium"):
        os.environ["BROWSER_PATH"] = "/usr/bin/chromium"
    import plotly.io as pio

    return pio.to_image(fig, format="png", width=int(width), height=int(height), scale=float(scale))


def browser_png_config(width: int = PNG_SIZE[0], height: int = PNG_SIZE[1], scale: float = 1.0, filename: str = "figure") -> dict:
    """`config` for a Plotly chart: its camera icon saves a PNG of width·scale × height·scale pixels.

    ui.present.chart_config gives every chart of the app 1536×864 at scale 1.25 (1920×1080 pixels, text at the
    presentation scale; 1920×1080 at scale 1 while presenting, the figure being scaled already)."""
    return {"toImageButtonOptions": {"format": "png", "width": width, "height": height, "scale": scale,
                                     "filename": slug(filename, 120)}}  # fmt: skip


# -- HTML report -------------------------------------------------------------------------------------
def _cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        v = float(v)
        return "—" if not np.isfinite(v) else f"{v:.6g}"
    return html.escape(str(v))


def _table(rows, cls: str, head=("Setting", "Value")) -> str:
    body = "".join(f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{_cell(v)}</td></tr>" for k, v in rows)
    return (
        f"<table class='{cls}'><thead><tr><th>{html.escape(head[0])}</th><th>{html.escape(head[1])}</th></tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _frame(df: pd.DataFrame, max_rows: int = 200) -> str:
    shown = df.head(max_rows)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in shown.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in r) + "</tr>" for r in shown.itertuples(index=False))
    more = f"<p class='note'>First {max_rows:,} of {len(df):,} rows.</p>" if len(df) > max_rows else ""
    return f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}"


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0} th,td{border:1px solid #ddd;padding:.3rem .6rem;text-align:left}
thead th{background:#f4f4f4} .note{color:#666;font-size:.9rem} figure{margin:1rem 0} figcaption{color:#444}
"""


def html_report(
    title: str,
    settings: dict,
    numbers: dict | None = None,
    figures: list | tuple = (),
    tables: dict | None = None,
    notes: list | tuple = (),
    code: str | None = None,
) -> str:
    """One self-contained HTML file: settings and numbers as tables, figures interactive (plotly.js
    inlined once, so it opens offline), optional data tables and the reproducing script.

    figures: [(caption, go.Figure), ...]. Every user string is HTML-escaped.
    """
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style>",
        f"<meta name='generator' content='ML Explorer'><script type='application/json' id='ml-explorer-settings'>"
        f"{html.escape(json.dumps({str(k): str(v) for k, v in settings.items()}), quote=False)}</script>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='note'>Exported from ML Explorer on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.</p>",
        "<h2>Settings</h2>",
        _table(settings.items(), "settings"),
    ]
    if numbers:
        parts += ["<h2>Results</h2>", _table(numbers.items(), "numbers", ("Measure", "Value"))]
    for n in notes:
        parts.append(f"<p class='note'>{html.escape(str(n))}</p>")
    if figures:
        parts.append("<h2>Figures</h2>")
        first = True
        for caption, fig in figures:
            div = fig.to_html(full_html=False, include_plotlyjs=True if first else False, config={"displaylogo": False})
            first = False
            parts.append(f"<figure class='figure'>{div}<figcaption>{html.escape(str(caption))}</figcaption></figure>")
    for name, df in (tables or {}).items():
        parts += [f"<h2>{html.escape(str(name))}</h2>", _frame(df)]
    if code:
        parts += ["<h2>The code</h2>", f"<pre><code class='language-python'>{html.escape(code)}</code></pre>"]
    parts.append("</body></html>")
    return "\n".join(parts)
