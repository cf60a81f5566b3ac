"""Uploaded tables: reading, column roles, score tables for the ROC Explorer, building a Dataset.

The package is split by job; every public name is re-exported here, so `from ml.tables import X`
and `tables.X` work as they always did:

- `reading`   path / bytes / file-like -> `Table` (sniffing delimiter, decimal mark, encoding)
- `roles`     column kinds, label/score/feature candidates, ids, bookkeeping and leaks
- `scores`    label and score columns -> `ScoreTable` for ROC curves
- `building`  a table -> `ml.datasets.Dataset` for the model pages
- `messages`  wording helpers shared by the others

Every problem raises a ValueError whose message says what was expected, what arrived and what
to do, written for a scientist, not a programmer.
"""

from __future__ import annotations

from ml.tables.building import MAX_ONEHOT_CATEGORIES, MIN_ROWS, REGRESSION_MIN_DISTINCT, to_dataset
from ml.tables.reading import MAX_UPLOAD_MB, ReadProgress, Table, csv_bytes, read_table
from ml.tables.roles import (
    MAX_CLASSES,
    FeatureSuggestion,
    column_kinds,
    default_positive,
    feature_candidates,
    id_like_columns,
    label_candidates,
    label_values,
    leaking_columns,
    score_candidates,
    suggest_features,
)
from ml.tables.scores import NonFiniteScores, ScoreTable, prepare_scores

__all__ = [
    "MAX_CLASSES",
    "MAX_ONEHOT_CATEGORIES",
    "MAX_UPLOAD_MB",
    "MIN_ROWS",
    "REGRESSION_MIN_DISTINCT",
    "FeatureSuggestion",
    "NonFiniteScores",
    "ReadProgress",
    "ScoreTable",
    "Table",
    "column_kinds",
    "csv_bytes",
    "default_positive",
    "feature_candidates",
    "id_like_columns",
    "label_candidates",
    "label_values",
    "leaking_columns",
    "prepare_scores",
    "read_table",
    "score_candidates",
    "suggest_features",
    "to_dataset",
]
