"""Clustering engine: scaling, the clusterer registry entries, step histories, scores and sweeps.

Terms follow the course notes (section 3 of the Udacity notes): k-means with its elbow method,
hierarchical (single / complete / average / Ward linkage) with its dendrogram, DBSCAN with eps,
MinPts, core, border and noise points, Gaussian mixtures fitted by expectation maximisation
(initialise from k-means, E-step, M-step, log-likelihood), and cluster validation by internal
indices (silhouette, Davies–Bouldin, Calinski–Harabasz) and external ones (adjusted Rand index...).

Every clusterer is a scikit-learn style estimator whose `fit(X)` leaves `labels_` (-1 = noise),
`warnings_` (convergence and similar notes worded for users) and, for the ones that need it, what a
page draws (centroids, the linkage matrix, core points, means and covariances). Pages reach them
through `ml.registry` (kind "clusterer"); the entries are registered when this package is imported.

Compute once, query cheaply: the linkage matrix is built once per (data, linkage, metric) and cut
at any number of clusters or height in O(n); the k-distance curve, the elbow and BIC sweeps and the
step histories are computed once per data and parameters and read at any k, eps or step.

The package, by job (every public name is re-exported here, so `ml.clustering.X` works for all):

- `limits`: size and time limits, the thread cap (`limited`, `capped`), fit-warning capture, checks on k.
- `preparation`: `SCALINGS`, `scale`, `prepare` → `Prepared`.
- `estimators`: the k-means, Gaussian-mixture and spectral wrappers, the registry entries of all six
  clusterers, and `fit` → `Fit`.
- `hierarchy`: `Hierarchical` (linkage matrix, cuts by k or height) and `dendrogram_layout`.
- `density`: `DBSCANClusterer`, `HDBSCANClusterer`, the k-distance curve, `knee_index`, `dbscan_advice`.
- `steps`: the step-through histories, `lloyd_history` and `em_history`.
- `scores`: internal and external scores, their labels and help, `contingency`, `silhouette_values`.
- `sweeps`: `k_sweep` (elbow, silhouette), `information_sweep` (BIC / AIC), `compare`, and `k_path`
  (every k's clustering with colours matched along k, for a slider answered in the browser).
- `display`: `match_labels` (colours that stay put), `profiles`, `image_shape`, `view_2d`.

Set limits on this package (`ml.clustering.DBSCAN_MAX_PAIRS`, which DBSCAN reads at call time); the
other limits are defaults bound when the submodules are imported.
"""

from ml.clustering.density import (
    DBSCANClusterer,
    HDBSCANClusterer,
    KDistance,
    dbscan_advice,
    k_distance,
    knee_index,
)
from ml.clustering.display import View2D, image_shape, match_labels, profiles, view_2d
from ml.clustering.estimators import (  # importing this module registers the clusterer entries
    Fit,
    GaussianMixtureClusterer,
    KMeansClusterer,
    SpectralClusterer,
    fit,
    full_covariances,
)
from ml.clustering.hierarchy import DendrogramLayout, Hierarchical, dendrogram_layout
from ml.clustering.limits import (
    DBSCAN_MAX_PAIRS,
    DENDROGRAM_FULL_MAX,
    DENDROGRAM_LAST_P,
    HDBSCAN_MAX_ROWS,
    HIERARCHICAL_MAX_ROWS,
    HISTORY_MAX_ITER,
    MAX_CLUSTERS,
    MINIBATCH_ABOVE,
    SILHOUETTE_SAMPLE,
    SPECTRAL_MAX_ROWS,
    SWEEP_SILHOUETTE_SAMPLE,
    capped,
    limited,
)
from ml.clustering.preparation import SCALINGS, Prepared, prepare, scale
from ml.clustering.scores import (
    SCORE_HELP,
    SCORE_LABELS,
    cluster_name,
    contingency,
    external_scores,
    internal_scores,
    silhouette_values,
)
from ml.clustering.steps import EMHistory, LloydHistory, em_history, lloyd_history
from ml.clustering.sweeps import InfoSweep, KStep, KSweep, compare, information_sweep, k_path, k_sweep

__all__ = [
    "DBSCAN_MAX_PAIRS",
    "DENDROGRAM_FULL_MAX",
    "DENDROGRAM_LAST_P",
    "HDBSCAN_MAX_ROWS",
    "HIERARCHICAL_MAX_ROWS",
    "HISTORY_MAX_ITER",
    "MAX_CLUSTERS",
    "MINIBATCH_ABOVE",
    "SCALINGS",
    "SCORE_HELP",
    "SCORE_LABELS",
    "SILHOUETTE_SAMPLE",
    "SPECTRAL_MAX_ROWS",
    "SWEEP_SILHOUETTE_SAMPLE",
    "DBSCANClusterer",
    "DendrogramLayout",
    "EMHistory",
    "Fit",
    "GaussianMixtureClusterer",
    "HDBSCANClusterer",
    "Hierarchical",
    "InfoSweep",
    "KDistance",
    "KMeansClusterer",
    "KStep",
    "KSweep",
    "LloydHistory",
    "Prepared",
    "SpectralClusterer",
    "View2D",
    "capped",
    "cluster_name",
    "compare",
    "contingency",
    "dbscan_advice",
    "dendrogram_layout",
    "em_history",
    "external_scores",
    "fit",
    "full_covariances",
    "image_shape",
    "information_sweep",
    "internal_scores",
    "k_distance",
    "k_path",
    "k_sweep",
    "knee_index",
    "limited",
    "lloyd_history",
    "match_labels",
    "prepare",
    "profiles",
    "scale",
    "silhouette_values",
    "view_2d",
]
