"""Fit + predict time of every registry model at its defaults on every built-in dataset,
and the torch MLP's training throughput (samples/s) on the CPU and, if present, on CUDA.

    python bench/bench_models.py            # everything (a few minutes at most)
    python bench/bench_models.py --quick    # a few datasets, shorter torch run
    python bench/bench_models.py --datasets sdss,moons --models svm,mlp_torch

Each model is fitted on a stratified 75 % split (all rows where a class is too small to split)
and scored on the rest: accuracy for classification, R² for regression.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

QUICK_DATASETS = ("iris", "moons", "sdss", "sdss_photoz", "curve_1d")


def bench_registry(dataset_names: list[str] | None, model_names: list[str] | None, quick: bool) -> list[dict]:
    from ml.datasets import list_datasets, load_dataset
    from ml.evaluation import split
    from ml.models import (
        fit_model,
        limited_threads,
        list_models,
        make_pipeline,
        normalise_task,
        readable_errors,
    )

    specs = list_datasets()
    if dataset_names:
        specs = [s for s in specs if s.name in dataset_names]
    elif quick:
        specs = [s for s in specs if s.name in QUICK_DATASETS]
    rows = []
    header = (
        f"{'dataset':<14} {'rows×cols':>11} {'model':<14} {'fit s':>7} {'predict s':>9} {'score':>7}  note"
    )
    print(header)
    print("-" * len(header))
    for spec in specs:
        data = load_dataset(spec.name)
        task = normalise_task(data.task)
        X, y = data.X, data.y
        try:
            X_train, X_test, y_train, y_test = split(X, y, task, seed=0)
            note = ""
        except ValueError:
            X_train, X_test, y_train, y_test = X, X, y, y
            note = "(too small to split: scored on the training rows)"
        for model in list_models(task):
            if model_names and model.name not in model_names:
                continue
            row = {"dataset": spec.name, "shape": f"{len(X)}×{X.shape[1]}", "model": model.name}
            row.update(fit=np.nan, predict=np.nan, score=np.nan, note=note)
            try:
                pipe = make_pipeline(model.name, task, seed=0)
                start = time.perf_counter()
                fit_model(pipe, X_train, y_train)
                row["fit"] = time.perf_counter() - start
                with readable_errors(pipe, "Predicting with"), limited_threads():
                    start = time.perf_counter()
                    pipe.predict(X_test)
                    row["predict"] = time.perf_counter() - start
                    row["score"] = pipe.score(X_test, y_test)
            except ValueError as exc:
                row["note"] = f"FAILED: {str(exc)[:90]}"
            rows.append(row)
            print(
                f"{row['dataset']:<14} {row['shape']:>11} {row['model']:<14} {row['fit']:7.3f} "
                f"{row['predict']:9.4f} {row['score']:7.3f}  {row['note']}",
                flush=True,
            )
    return rows


def bench_torch(device: str, epochs: int, threads: int = 1) -> dict:
    """Training throughput of the default MLP (2×32, batch 64, adam) on 10,000 × 10 rows."""
    from ml.nets import TorchMLPClassifier

    previous = os.environ.get("ML_EXPLORER_THREADS")
    os.environ["ML_EXPLORER_THREADS"] = str(threads)  # read by ml.nets on every fit
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10_000, 10)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] ** 2 - X[:, 2] * X[:, 3] > 0.5).astype(int)
    TorchMLPClassifier(epochs=1, device=device, random_state=0).fit(X[:1000], y[:1000])  # warm-up
    model = TorchMLPClassifier(epochs=epochs, device=device, random_state=0)
    start = time.perf_counter()
    model.fit(X, y)
    total = time.perf_counter() - start
    n_train = round(len(X) * (1 - model.validation_fraction))
    start = time.perf_counter()
    model.predict(X)
    predict = time.perf_counter() - start
    if previous is None:
        os.environ.pop("ML_EXPLORER_THREADS")
    else:
        os.environ["ML_EXPLORER_THREADS"] = previous
    return {
        "device": device,
        "threads": threads if device == "cpu" else "-",
        "epochs": epochs,
        "fit_s": total,
        "s_per_epoch": total / epochs,
        "train_samples_per_s": n_train * epochs / total,
        "predict_rows_per_s": len(X) / predict,
        "val_accuracy": model.history_[-1]["val_score"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a few datasets and a short torch run")
    parser.add_argument("--datasets", help="comma-separated dataset names (default: all)")
    parser.add_argument("--models", help="comma-separated model names (default: all)")
    parser.add_argument("--skip-registry", action="store_true", help="only the torch throughput")
    args = parser.parse_args()

    import sklearn
    import torch

    from ml.device import device_name

    print(
        f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPU cores, "
        f"torch threads {torch.get_num_threads()}, auto device: {device_name('auto')}\n"
    )
    start = time.perf_counter()
    if not args.skip_registry:
        rows = bench_registry(
            args.datasets.split(",") if args.datasets else None,
            args.models.split(",") if args.models else None,
            args.quick,
        )
        slow = sorted((r for r in rows if r["fit"] == r["fit"]), key=lambda r: -r["fit"])[:5]
        print(
            "\nslowest fits: " + ", ".join(f"{r['model']} on {r['dataset']} {r['fit']:.2f} s" for r in slow)
        )
        failed = [r for r in rows if r["note"].startswith("FAILED")]
        print(f"{len(rows)} fits, {len(failed)} failed\n")

    epochs = 3 if args.quick else 10
    print("torch MLP throughput, 10,000 × 10 rows (8,000 train), 2 hidden layers × 32, batch 64, adam")
    print("(ml trains on 1 CPU thread per fit unless ML_EXPLORER_THREADS says otherwise)")
    print(f"{'device':<7} {'threads':>7} {'epochs':>6} {'fit s':>7} {'s/epoch':>8} {'train samples/s':>16} "
          f"{'predict rows/s':>15} {'val acc':>8}")  # fmt: skip
    results = [bench_torch("cpu", epochs, threads=1)]
    if (os.cpu_count() or 1) > 1:
        results.append(bench_torch("cpu", epochs, threads=os.cpu_count()))
    if torch.cuda.is_available():
        results.append(bench_torch("cuda", epochs))
    for r in results:
        print(
            f"{r['device']:<7} {r['threads']:>7} {r['epochs']:>6} {r['fit_s']:7.2f} {r['s_per_epoch']:8.3f} "
            f"{r['train_samples_per_s']:16,.0f} {r['predict_rows_per_s']:15,.0f} {r['val_accuracy']:8.3f}"
        )
    print(f"\ntotal {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
