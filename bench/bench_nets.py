"""Training throughput (samples/s) of the torch estimators, and where the time goes.

    python bench/bench_nets.py                   # photon vs jet headline, breakdown, sizes (~1-2 min)
    python bench/bench_nets.py --quick           # fewer sizes and repeats
    python bench/bench_nets.py --full            # adds 100,000 rows
    python bench/bench_nets.py --baseline ba7ee4e   # also time ml/nets.py as it was at that commit

samples/s = training rows × epochs / fit time (median of `--reps`, default 3), "wall" by the clock
and "cpu" by this process's CPU time (steadier when other processes share the cores). Every fit
runs as the app runs it: 1 torch thread on the CPU (ML_EXPLORER_THREADS), a fixed number of
epochs (no early stopping, so runs compare), and a per-epoch callback where stated:
- "record": the callback appends the record (what ui/training.py keeps for its chart);
- "live, 0.5 s": keeps every record and rebuilds the figure at most every 0.5 s, as
  ui/training.py does;
- "live figure": the callback builds the whole loss/score figure (ml.plots.training.history_figure)
  and serialises it to JSON after EVERY epoch: the worst case of a live curve (the app redraws at
  most every 0.5 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

os.environ.setdefault("ML_EXPLORER_THREADS", "1")

# The page's default network (ml.models' ParamSpec defaults), run for a fixed number of epochs.
DEFAULT_NET = dict(hidden_layers=2, hidden_units=32, activation="relu", optimizer="adam", learning_rate=0.01,
                   batch_size=64, early_stopping=False)  # fmt: skip


def _record_callback():
    history: list[dict] = []
    return lambda record, n_epochs: history.append(record)


def _figure_callback(task: str):
    from ml.plots.training import history_figure

    history: list[dict] = []

    def callback(record, n_epochs):
        history.append(record)
        history_figure(history, task).to_json()

    return callback


def _throttled_figure_callback(task: str, every_s: float = 0.5):
    """As ui/training.py draws: keep every record, rebuild the figure at most every `every_s`."""
    from ml.plots.training import history_figure

    history: list[dict] = []
    last = [0.0]

    def callback(record, n_epochs):
        history.append(record)
        now = time.perf_counter()
        if now - last[0] >= every_s or record["epoch"] >= n_epochs:
            last[0] = now
            history_figure(history, task).to_json()

    return callback


CALLBACKS = {
    "none": lambda task: None,
    "record": lambda task: _record_callback(),
    "live, 0.5 s": _throttled_figure_callback,
    "live figure": _figure_callback,
}


def timed_fits(makers: dict, X, y, reps: int) -> dict[str, dict]:
    """Median wall and CPU seconds of `make().fit(X, y)` for each maker, over `reps` rounds after
    one warm-up each. The makers take turns within a round, so a change in the machine's load
    (other users) falls on all of them alike."""
    for make in makers.values():
        model = make().set_params(epochs=1)
        model.fit(X[:500], y[:500]) if y is not None else model.fit(X[:500])
    walls = {name: [] for name in makers}
    cpus = {name: [] for name in makers}
    models = {}
    for _ in range(reps):
        for name, make in makers.items():
            model = make()
            w0, c0 = time.perf_counter(), time.process_time()
            model.fit(X, y) if y is not None else model.fit(X)
            walls[name].append(time.perf_counter() - w0)
            cpus[name].append(time.process_time() - c0)
            models[name] = model
    out = {}
    for name, model in models.items():
        n_train = round(len(X) * (1 - model.validation_fraction)) if model.validation_fraction else len(X)
        samples = n_train * model.n_epochs_
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        out[name] = {"wall_s": wall, "cpu_s": cpu, "wall_sps": samples / wall, "cpu_sps": samples / cpu, "model": model}
    return out


def timed_fit(make, X, y, reps: int) -> dict:
    return timed_fits({"": make}, X, y, reps)[""]


def photon_jet(reps: int, epochs: int, baseline) -> None:
    from sklearn.preprocessing import StandardScaler

    from ml.datasets import load_dataset
    from ml.nets import TorchMLPClassifier

    ds = load_dataset("photon_jet")
    X = StandardScaler().fit_transform(np.asarray(ds.X, dtype=np.float64))
    y = np.asarray(ds.y)
    print(f"## Photon vs jet ({len(X):,} × {X.shape[1]}, 80 % trained), the page's default network "
          f"(2 × 32 relu, adam lr 0.01, batch 64), {epochs} epochs, CPU, 1 thread, median of {reps}"
          + (" (implementations take turns)" if baseline else ""))  # fmt: skip
    print(f"{'implementation':<16} {'callback':<12} {'fit s':>7} {'wall samples/s':>15} {'cpu samples/s':>14}")
    impls = {"ml.nets": TorchMLPClassifier}
    if baseline is not None:
        impls[f"baseline {baseline[0]}"] = baseline[1].TorchMLPClassifier
    for cb_name, cb in CALLBACKS.items():
        results = timed_fits(
            {name: (lambda cls=cls, cb=cb: cls(**DEFAULT_NET, epochs=epochs, device="cpu", random_state=0,
                                                callback=cb("classification")))
             for name, cls in impls.items()},
            X, y, reps,
        )  # fmt: skip
        for name, r in results.items():
            print(f"{name:<16} {cb_name:<12} {r['wall_s']:7.2f} {r['wall_sps']:15,.0f} {r['cpu_sps']:14,.0f}", flush=True)
    print("\nThe page's whole default run (50 epochs, early stopping, patience 10), live chart every 0.5 s:")
    print(f"{'implementation':<16} {'epochs run':>10} {'fit s':>7} {'CPU s':>7} {'wall samples/s':>15} {'cpu samples/s':>14}")
    results = timed_fits(
        {name: (lambda cls=cls: cls(**{**DEFAULT_NET, "early_stopping": True}, epochs=50, patience=10, device="cpu",
                                    random_state=0, callback=_throttled_figure_callback("classification")))
         for name, cls in impls.items()},
        X, y, reps,
    )  # fmt: skip
    for name, r in results.items():
        print(f"{name:<16} {r['model'].n_epochs_:>10} {r['wall_s']:7.2f} {r['cpu_s']:7.2f} {r['wall_sps']:15,.0f} "
              f"{r['cpu_sps']:14,.0f}", flush=True)  # fmt: skip
    print()


def breakdown(reps: int) -> None:
    """Where an epoch's time goes: mini-batch steps, the per-epoch evaluation, the callback."""
    import torch
    from torch.nn import functional as F

    from ml.nets.training import FlatOptimizer, _FlatParameters, mlp_layers
    from ml.plots.training import history_figure

    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    n = 16_000
    X = torch.randn(n, 4, generator=gen)
    y = (X[:, 0] * X[:, 1] > 0).long()

    def per_epoch(fn) -> float:
        fn()
        times = []
        for _ in range(reps):
            t0 = time.process_time()
            fn()
            times.append(time.process_time() - t0)
        return statistics.median(times)

    print(f"## Where an epoch goes (16,000 training rows, 2 × 32, CPU time per epoch, median of {reps})")
    rows = []
    for bs in (64, 256):
        net = mlp_layers(4, 2, [32, 32], "relu")
        opt_ref = torch.optim.Adam(net.parameters(), lr=0.01)

        def torch_optim_epoch(bs=bs, net=net, opt=opt_ref):
            perm = torch.randperm(n, generator=gen)
            for b in perm.split(bs):  # a gather per batch, per-tensor optimizer: the usual loop
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(net(X[b]), y[b]).backward()
                opt.step()

        rows.append((f"batch {bs}: usual loop (gather per batch, torch.optim.Adam)", per_epoch(torch_optim_epoch)))
        net2 = mlp_layers(4, 2, [32, 32], "relu")
        flat = _FlatParameters(net2)
        opt = FlatOptimizer(flat.flat, flat.grad, "adam", 0.01)

        def ours(bs=bs, net=net2, flat=flat, opt=opt):
            perm = torch.randperm(n, generator=gen)
            for xb, yb in zip(X[perm].split(bs), y[perm].split(bs), strict=True):
                flat.zero_grad()
                F.cross_entropy(net(xb), yb).backward()
                opt.step()

        rows.append((f"batch {bs}: ml.nets loop (one gather per epoch, flat Adam)", per_epoch(ours)))

        def forward_backward(bs=bs, net=net2, flat=flat):
            for xb, yb in zip(X.split(bs), y.split(bs), strict=True):
                flat.zero_grad()
                F.cross_entropy(net(xb), yb).backward()

        rows.append((f"batch {bs}:   of which forward + backward", per_epoch(forward_backward)))
        flat.release()

    net = mlp_layers(4, 2, [32, 32], "relu").eval()

    def evaluation():
        with torch.no_grad():
            out_tr, out_va = net(X), net(X[:4000])
            torch.stack([F.cross_entropy(out_tr, y), F.cross_entropy(out_va, y[:4000]),
                         (out_tr.argmax(1) == y).float().mean(), (out_va.argmax(1) == y[:4000]).float().mean()]).tolist()  # fmt: skip

    rows.append(("per-epoch evaluation (train + validation, one sync)", per_epoch(evaluation)))
    history = [dict(epoch=i, train_loss=1 / i, val_loss=1 / i, train_score=0.9, val_score=0.9) for i in range(1, 51)]
    rows.append(("live figure built + serialised (50 epochs drawn)",
                 per_epoch(lambda: history_figure(history, "classification").to_json())))  # fmt: skip
    for label, seconds in rows:
        rate = f"{n / seconds:12,.0f} samples/s" if label.startswith("batch") else ""
        print(f"  {label:<62} {seconds * 1e3:8.1f} ms {rate}")
    print()


def sizes(devices: list[str], sizes_: list[int], reps: int, epochs: int) -> None:
    from ml.nets import TorchAutoencoder, TorchMLPClassifier, TorchMLPRegressor, TorchVariationalAutoencoder

    rng = np.random.default_rng(0)
    n_max = max(sizes_)
    X_all = rng.normal(size=(n_max, 10))
    y_cls = (X_all[:, 0] + X_all[:, 1] ** 2 - X_all[:, 2] * X_all[:, 3] > 0.5).astype(int)
    y_reg = X_all[:, 0] + np.sin(X_all[:, 1]) + 0.1 * rng.normal(size=n_max)
    models = [
        ("MLP classifier 2×32", lambda d: TorchMLPClassifier(**DEFAULT_NET, device=d, random_state=0), y_cls),
        ("MLP regressor 2×32", lambda d: TorchMLPRegressor(**DEFAULT_NET, device=d, random_state=0), y_reg),
        ("autoencoder 2×64→2", lambda d: TorchAutoencoder(device=d, random_state=0), None),
        ("VAE 2×64→2", lambda d: TorchVariationalAutoencoder(device=d, random_state=0), None),
    ]
    print(f"## Throughput by size (10 features, batch 64, {epochs} epochs, per-epoch record callback, "
          f"median of {reps})")  # fmt: skip
    print(f"{'model':<22} {'device':<6} {'rows':>8} {'fit s':>7} {'wall samples/s':>15} {'cpu samples/s':>14}")
    for device in devices:
        for name, make, y in models:
            for n in sizes_:
                X = X_all[:n]
                r = timed_fit(
                    lambda make=make, device=device: make(device).set_params(epochs=epochs, callback=_record_callback()),
                    X, None if y is None else y[:n], reps,
                )  # fmt: skip
                print(f"{name:<22} {device:<6} {n:>8,} {r['wall_s']:7.2f} {r['wall_sps']:15,.0f} {r['cpu_sps']:14,.0f}",
                      flush=True)  # fmt: skip
    print()


def load_baseline(rev: str):
    """ml/nets.py as it was at git revision `rev`, imported as a separate module."""
    source = subprocess.run(
        ["git", "show", f"{rev}:ml/nets.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "nets_baseline.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("nets_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return rev, module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer sizes, 2 repeats")
    parser.add_argument("--full", action="store_true", help="add 100,000 rows")
    parser.add_argument("--reps", type=int, default=None, help="repeats per figure (median), default 3")
    parser.add_argument("--baseline", help="git revision whose ml/nets.py to time beside the current one")
    parser.add_argument("--cuda-only", action="store_true", help="only the size table, on CUDA")
    parser.add_argument("--headline", action="store_true", help="only the photon-vs-jet table")
    args = parser.parse_args()
    reps = args.reps or (2 if args.quick else 3)

    import sklearn
    import torch

    from ml.device import device_name

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch {torch.__version__}, scikit-learn {sklearn.__version__}, {os.cpu_count()} CPU cores, "
          f"ML_EXPLORER_THREADS={os.environ['ML_EXPLORER_THREADS']}, auto device: {device_name('auto')}, "
          f"load average {load}\n")  # fmt: skip
    start = time.perf_counter()
    devices = ["cuda"] if args.cuda_only else ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    if not args.cuda_only:
        baseline = load_baseline(args.baseline) if args.baseline else None
        photon_jet(reps, epochs=5 if args.quick else 10, baseline=baseline)
        if args.headline:
            return
        breakdown(reps)
    size_list = [2_000, 20_000] + ([100_000] if args.full else [])
    sizes(devices, size_list, reps, epochs=3 if args.quick else 5)
    print(f"total {time.perf_counter() - start:.1f} s, load average now "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))  # fmt: skip


if __name__ == "__main__":
    main()
