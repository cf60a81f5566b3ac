"""Private folders for the app's own Streamlit components (the live Plotly chart, the live threshold).

Each server process writes the component's page and the installed plotly.js into a fresh folder it
creates itself (`tempfile.mkdtemp`: unpredictable name, mode 0700), so no other local user can plant
a page the app would then serve. Nothing is downloaded or vendored: plotly.js comes from the
installed plotly package.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import plotly

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
SHARED_JS = Path(__file__).with_name("frontend_shared") / "present_fit.js"
_MADE: dict[str, Path] = {}


def private_dir(name: str, page: Path) -> Path:
    """A folder (made once per process) holding `page` as index.html, plotly.min.js and the shared
    present_fit.js beside it."""
    if name in _MADE:
        return _MADE[name]
    folder = Path(tempfile.mkdtemp(prefix=f"ml-explorer-{name}-"))  # mode 0700, a fresh name
    shutil.copyfile(PLOTLY_JS, folder / "plotly.min.js")
    shutil.copyfile(SHARED_JS, folder / SHARED_JS.name)  # the frontends' shared script (presentation sizing)
    shutil.copyfile(page, folder / "index.html")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _MADE[name] = folder
    return folder
