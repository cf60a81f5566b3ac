"""Anomaly detectors behind one API (PyOD's), DRAMA's distance metrics and the anomaly metrics.

Every detector follows PyOD's contract (registry kind "detector"), stated once in `ml.detectors.base`;
moving the contamination or the threshold never refits (a threshold is a query on fixed scores).

DRAMA (Dimensionality Reduction Anomaly Meta-Algorithm, Vafaei Sadr, Bassett & Kunz 2019, the
Geneva notes): scale the data to [0, 1], reduce it (none, PCA, ICA, NMF, autoencoder, VAE), split
it into prototypes by agglomerative splitting (each cluster cut in two, level after level), and
score each row by its distance to the nearest prototype under one of ten metrics (L1, L2, L4,
weighted L2 / L4, Bray-Curtis, Chebyshev, Canberra, correlation, Mahalanobis), in the original
space (prototypes reconstructed by the decoder) or in the latent space; or an ensemble over the
metrics (normalised sum or max). Distances are vectorised over rows: the only Python loops run
over prototypes (at most 2**levels) and metrics.

Metrics for labelled data (the notes' benchmark): ROC AUC, average precision, precision@k,
MCC at the top n_o rows (n_o = number of true anomalies) and RWS, the rank-weighted score
RWS = Σ_{i=1..n_o} w_i I_i / Σ w_i with w_i = n_o + 1 - i, so the TOP-ranked row weighs most
(Σ w_i = n_o(n_o+1)/2, so a perfect ranking scores 1; DRAMA's published ``rws_score`` reverses
the weights, which rewards anomalies ranked last within the top n_o).

The package, by job (every name is re-exported here, so ``from ml.detectors import X`` and
``detectors.X`` work as before):

- ``base``: the detector API and threshold contract (`BaseDetector`, `threshold_for`, `check_X`, ...),
  the shared contamination parameter and `make`;
- ``distance_metrics``: the ten distance metrics, their titles, the ensembles and cluster covariances;
- ``metrics``: AUC, AP, precision@k, MCC and RWS against 0/1 labels, and `anomaly_labels`;
- ``networks``: the autoencoder / VAE networks (ml.nets, or a scikit-learn stand-in);
- ``classic``: Isolation Forest, LOF, one-class SVM, Elliptic Envelope, kNN distance and the
  autoencoder detector, with their registry entries;
- ``drama``: the DRAMA pipeline (reductions, agglomerative splitting, scoring) and its registry entry;
- ``benchmark``: the benchmark table (the notes' Table 6);
- ``display``: two display coordinates of the rows (features, PCA or UMAP).

Importing this package registers the detector entries ``classic`` and ``drama`` define (classic first,
then DRAMA: the registry's order); ``ml.registry`` imports it lazily for them.
"""

from __future__ import annotations

from ml import registry
from ml.detectors.base import (
    CONTAMINATION_SPEC,
    BaseDetector,
    _standardiser,
    capped_threads,
    check_contamination,
    check_X,
    estimate_fit_seconds,
    make,
    n_flagged,
    threshold_for,
)
from ml.detectors.benchmark import (
    BENCH_BASELINES,
    BENCH_DATASETS,
    BENCH_OPTIONS,
    BENCH_REDUCTIONS,
    BENCH_SCORES,
    SCORE_TITLES,
    _bench_data,
    _bench_row,
    _run_tasks,
    bench_tasks,
    best_per_dataset,
    notes_table,
    run_benchmark,
    summarise,
)
from ml.detectors.classic import (
    CLASSIC_ENTRIES,
    ELLIPTIC_MAX_DIMS,
    ELLIPTIC_MAX_ROWS,
    LOF,
    OCSVM,
    AutoencoderDetector,
    Elliptic,
    IForest,
    KNNDistance,
)
from ml.detectors.display import display_2d
from ml.detectors.distance_metrics import (
    _BLOCK,
    ENSEMBLE_TITLES,
    ENSEMBLES,
    METRIC_TITLES,
    METRICS,
    CovarianceFactors,
    _blocks,
    _one_centre,
    covariance_factors,
    distances,
    inverse_covariance,
    metric_problem,
    metric_title,
)
from ml.detectors.drama import (
    DRAMA,
    DRAMA_ENTRIES,
    REDUCTION_TITLES,
    REDUCTIONS,
    SPREAD_FLOOR,
    _drama_build,
    _fit_reducer,
    _Reducer,
    agglomerative_split,
)
from ml.detectors.metrics import (
    _isnan,
    _labels_scores,
    anomaly_labels,
    evaluate,
    mcc_at_top,
    precision_at_k,
    rws,
    top_ranked,
)
from ml.detectors.networks import _net_kwargs, _reconstruction_error, _SklearnAutoencoder, make_network

# every registry entry, registered here in this order (the order the app lists them)
DETECTOR_ENTRIES = CLASSIC_ENTRIES + DRAMA_ENTRIES

for _entry in DETECTOR_ENTRIES:
    registry.register(_entry)
del _entry

__all__ = [
    "BENCH_BASELINES", "BENCH_DATASETS", "BENCH_OPTIONS", "BENCH_REDUCTIONS", "BENCH_SCORES", "CLASSIC_ENTRIES",
    "CONTAMINATION_SPEC", "DETECTOR_ENTRIES", "DRAMA", "DRAMA_ENTRIES", "ELLIPTIC_MAX_DIMS", "ELLIPTIC_MAX_ROWS",
    "ENSEMBLES", "ENSEMBLE_TITLES", "LOF", "METRICS", "METRIC_TITLES", "OCSVM", "REDUCTIONS", "REDUCTION_TITLES",
    "SCORE_TITLES", "SPREAD_FLOOR", "_BLOCK", "AutoencoderDetector", "BaseDetector", "CovarianceFactors",
    "Elliptic", "IForest", "KNNDistance", "_Reducer", "_SklearnAutoencoder", "_bench_data", "_bench_row",
    "_blocks", "_drama_build", "_fit_reducer", "_isnan", "_labels_scores", "_net_kwargs", "_one_centre",
    "_reconstruction_error", "_run_tasks", "_standardiser", "agglomerative_split", "anomaly_labels",
    "bench_tasks", "best_per_dataset", "capped_threads", "check_X", "check_contamination", "covariance_factors",
    "display_2d", "distances", "estimate_fit_seconds", "evaluate", "inverse_covariance", "make", "make_network", "mcc_at_top",
    "metric_problem", "metric_title", "n_flagged", "notes_table", "precision_at_k", "run_benchmark", "rws",
    "summarise", "threshold_for", "top_ranked",
]  # fmt: skip
