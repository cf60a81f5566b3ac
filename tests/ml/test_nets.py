"""The torch MLPs behave as scikit-learn estimators and learn what they should."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_moons
from sklearn.exceptions import NotFittedError
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import cross_val_score, train_test_split

from ml.nets import TorchMLPClassifier, TorchMLPRegressor, TrainingDiverged

torch.set_num_threads(1)

FAST = dict(epochs=5, hidden_units=8, device="cpu", random_state=0)


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(600, noise=0.2, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=1, stratify=y)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 3))
    y = np.array(["star", "galaxy", "quasar"])[np.argmax(X, axis=1)]
    return X, y


def test_classifier_learns_moons(moons):
    X_train, X_test, y_train, y_test = moons
    model = TorchMLPClassifier(learning_rate=0.01, epochs=50, random_state=0, device="cpu").fit(
        X_train, y_train
    )
    assert model.score(X_test, y_test) >= 0.95
    assert model.device_ == "cpu"
    assert model.n_features_in_ == 2


def test_regressor_learns_sine():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, size=(500, 1))
    y = np.sin(x[:, 0]) + 0.05 * rng.normal(size=500)
    model = TorchMLPRegressor(learning_rate=0.01, epochs=40, random_state=0, device="cpu")
    model.fit(x[:400], y[:400])
    assert model.score(x[400:], y[400:]) >= 0.9


def test_regressor_reports_losses_in_target_units():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = 1000 * X[:, 0] + 5000 + rng.normal(size=200)
    model = TorchMLPRegressor(learning_rate=0.01, epochs=30, random_state=0, device="cpu").fit(X, y)
    assert model.score(X, y) > 0.95
    assert abs(model.y_mean_ - y.mean()) < 1e-6 and model.y_std_ > 100
    # The train-split loss is the MSE of predictions in the target's units.
    mse_all = mean_squared_error(y, model.predict(X))
    assert 0.3 * mse_all < model.history_[-1]["train_loss"] < 3 * mse_all


@pytest.mark.parametrize("cls", [TorchMLPClassifier, TorchMLPRegressor])
def test_clone_get_set_params_round_trip(cls):
    model = cls(hidden_layers=3, dropout=0.1, optimizer="momentum", epochs=7, random_state=4)
    params = model.get_params()
    assert params["hidden_layers"] == 3 and params["optimizer"] == "momentum"
    twin = clone(model)
    assert twin.get_params() == params and twin is not model
    twin.set_params(hidden_units=5, learning_rate=0.1)
    assert twin.hidden_units == 5 and twin.learning_rate == 0.1
    assert model.hidden_units == 32  # the original is untouched
    assert cls(**params).get_params() == params


def test_cross_val_score_works(moons):
    X_train, _, y_train, _ = moons
    scores = cross_val_score(TorchMLPClassifier(**{**FAST, "learning_rate": 0.01}), X_train, y_train, cv=5)
    assert scores.shape == (5,) and np.all(scores > 0.6)


def test_history_and_callback(blobs):
    X, y = blobs
    calls = []
    model = TorchMLPClassifier(**FAST, callback=lambda record, n: calls.append((record, n))).fit(X, y)
    assert len(model.history_) == 5 == model.n_epochs_
    assert [r["epoch"] for r in model.history_] == [1, 2, 3, 4, 5]
    for record in model.history_:
        assert set(record) == {"epoch", "train_loss", "val_loss", "train_score", "val_score"}
        assert np.isfinite([record["train_loss"], record["val_loss"]]).all()
        assert 0 <= record["train_score"] <= 1 and 0 <= record["val_score"] <= 1
    assert len(calls) == 5 and all(n == 5 for _, n in calls)
    assert [c[0] for c in calls] == model.history_


def test_string_labels_and_probabilities(blobs):
    X, y = blobs
    model = TorchMLPClassifier(**FAST).fit(pd.DataFrame(X, columns=["u", "g", "r"]), y)
    assert list(model.classes_) == ["galaxy", "quasar", "star"]
    Xf = pd.DataFrame(X[:10], columns=["u", "g", "r"])
    proba = model.predict_proba(Xf)
    assert proba.shape == (10, 3) and np.allclose(proba.sum(axis=1), 1)
    assert set(model.predict(Xf)) <= set(model.classes_)
    assert model.decision_function(Xf).shape == (10, 3)


def test_binary_decision_function_is_one_column(moons):
    X_train, X_test, y_train, _ = moons
    model = TorchMLPClassifier(**FAST).fit(X_train, y_train)
    scores = model.decision_function(X_test)
    assert scores.shape == (len(X_test),)
    assert np.array_equal(scores > 0, model.predict(X_test) == model.classes_[1])


def test_same_seed_same_model(blobs):
    X, y = blobs
    settings = {**FAST, "dropout": 0.2, "optimizer": "momentum", "learning_rate": 0.05}
    a = TorchMLPClassifier(**settings).fit(X, y).predict_proba(X)
    b = TorchMLPClassifier(**settings).fit(X, y).predict_proba(X)
    c = TorchMLPClassifier(**{**settings, "random_state": 1}).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)
    assert not np.allclose(a, c)


def test_early_stopping_restores_best_epoch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 10))
    y = X[:, 0] + rng.normal(scale=2.0, size=120)  # noisy: a big network soon overfits
    model = TorchMLPRegressor(
        hidden_units=128,
        learning_rate=0.01,
        epochs=300,
        early_stopping=True,
        patience=5,
        random_state=0,
        device="cpu",
    ).fit(X, y)
    assert model.n_epochs_ < 300
    val = [r["val_loss"] for r in model.history_]
    assert model.best_epoch_ == int(np.argmin(val)) + 1
    assert model.n_epochs_ == model.best_epoch_ + 5


def test_divergence_raises_and_leaves_no_model(moons):
    X_train, _, y_train, _ = moons
    model = TorchMLPClassifier(optimizer="sgd", learning_rate=1e6, epochs=5, device="cpu", random_state=0)
    with pytest.raises(ValueError, match=r"diverged at epoch \d+ .*learning rate \(now 1e\+06\)"):
        model.fit(X_train * 1e4, y_train)
    with pytest.raises(NotFittedError):
        model.predict(X_train)
    try:
        model.fit(X_train * 1e4, y_train)
    except TrainingDiverged as exc:
        assert isinstance(exc.history, list)


@pytest.mark.parametrize(
    "bad",
    [
        {"activation": "elu"},
        {"dropout": 1.0},
        {"optimizer": "rmsprop"},
        {"learning_rate": 0},
        {"epochs": 0},
        {"batch_size": 0},
        {"hidden_layers": -1},
        {"validation_fraction": 0.0},
        {"weight_decay": -0.1},
        {"callback": "not callable"},
    ],
)
def test_bad_params_raise_in_fit(bad, blobs):
    X, y = blobs
    model = TorchMLPClassifier(**{**FAST, **bad})  # __init__ only stores
    with pytest.raises(ValueError, match=next(iter(bad))):
        model.fit(X, y)


def test_bad_data_raise(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="at least 2 classes"):
        TorchMLPClassifier(**FAST).fit(X, np.zeros(len(X)))
    with pytest.raises(ValueError, match="continuous"):
        TorchMLPClassifier(**FAST).fit(X, X[:, 0])
    with pytest.raises(NotFittedError):
        TorchMLPRegressor().predict(X)
    model = TorchMLPRegressor(**FAST).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :2])


def test_pickle_drops_callback(blobs):
    X, y = blobs
    model = TorchMLPClassifier(**FAST, callback=lambda record, n: None).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    assert restored.callback is None
    assert np.array_equal(restored.predict(X), model.predict(X))


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_each_optimizer_trains(optimizer, moons):
    X_train, X_test, y_train, y_test = moons
    lr = 0.001 if optimizer == "adam" else 0.05
    model = TorchMLPClassifier(
        optimizer=optimizer, learning_rate=lr, epochs=8, weight_decay=1e-4, device="cpu"
    )
    model.set_params(random_state=0, hidden_layers=1, activation="tanh").fit(X_train, y_train)
    assert model.score(X_test, y_test) > 0.75


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fits_on_cuda(moons):
    X_train, X_test, y_train, y_test = moons
    model = TorchMLPClassifier(learning_rate=0.01, epochs=50, random_state=0, device="cuda").fit(
        X_train, y_train
    )
    assert model.device_ == "cuda"
    assert next(model.module_.parameters()).is_cuda
    assert model.score(X_test, y_test) >= 0.95
    reg = TorchMLPRegressor(epochs=5, random_state=0, device="auto").fit(X_train, X_train[:, 0])
    assert reg.device_ == "cuda" and reg.predict(X_test).shape == (len(X_test),)


def test_trains_on_one_cpu_thread_and_restores_the_setting(blobs, monkeypatch):
    X, y = blobs
    monkeypatch.delenv("ML_EXPLORER_THREADS", raising=False)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        seen = []
        TorchMLPClassifier(**FAST, callback=lambda r, n: seen.append(torch.get_num_threads())).fit(X, y)
        assert set(seen) == {1} and torch.get_num_threads() == 2
        monkeypatch.setenv("ML_EXPLORER_THREADS", "0")  # 0 keeps torch's own setting
        seen.clear()
        one_epoch = {**FAST, "epochs": 1}  # two threads on a busy machine are slow: keep this fit short
        TorchMLPClassifier(**one_epoch, callback=lambda r, n: seen.append(torch.get_num_threads())).fit(X, y)
        assert set(seen) == {2}
        monkeypatch.setenv("ML_EXPLORER_THREADS", "many")
        with pytest.raises(ValueError, match="ML_EXPLORER_THREADS"):
            TorchMLPClassifier(**FAST).fit(X, y)
    finally:
        torch.set_num_threads(before)


def test_fitted_network_with_dropout_pickles_and_goes_through_joblib(blobs, tmp_path):
    import joblib

    X, y = blobs
    model = TorchMLPClassifier(**{**FAST, "dropout": 0.3}).fit(X, y)
    assert any(type(m).__name__ == "SeededDropout" for m in model.module_.modules())
    restored = pickle.loads(pickle.dumps(model))
    joblib.dump(model, tmp_path / "net.joblib")
    loaded = joblib.load(tmp_path / "net.joblib")
    for twin in (restored, loaded):
        assert np.array_equal(twin.predict_proba(X), model.predict_proba(X))
    reg = TorchMLPRegressor(**{**FAST, "dropout": 0.5}).fit(X, X[:, 0])
    assert np.array_equal(pickle.loads(pickle.dumps(reg)).predict(X), reg.predict(X))


def test_callback_can_stop_training_keeping_what_is_done(blobs):
    from ml.nets import StopTraining

    X, y = blobs
    model = TorchMLPClassifier(**{**FAST, "epochs": 50, "callback": lambda r, n: r["epoch"] < 4}).fit(X, y)
    assert model.n_epochs_ == 4 and model.stop_reason_ == "callback"
    assert model.predict(X).shape == (len(X),)

    def stop(record, n_epochs):
        if record["epoch"] == 2:
            raise StopTraining

    assert TorchMLPRegressor(**{**FAST, "callback": stop}).fit(X, X[:, 0]).n_epochs_ == 2
    full = TorchMLPClassifier(**{**FAST, "callback": lambda r, n: None}).fit(X, y)  # None continues
    assert full.n_epochs_ == 5 and full.stop_reason_ == "epochs" and full.callback_time_ >= 0


def test_divergence_keeps_the_history_so_far():
    X_train, _ = make_moons(450, noise=0.2, random_state=0)
    seen = []
    model = TorchMLPRegressor(
        optimizer="sgd", learning_rate=0.1, epochs=30, device="cpu", random_state=0,
        callback=lambda r, n: seen.append(r),
    )  # fmt: skip
    with pytest.raises(TrainingDiverged) as info:
        model.fit(10 * X_train, X_train[:, 0])  # unscaled features: plain sgd blows up at epoch 2
    assert len(seen) >= 1 and info.value.history == seen  # the epochs before the NaN, as drawn live
    assert "Lower the learning rate (now 0.1), standardise the features or use the adam optimizer" in str(
        info.value
    )


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_flat_optimizer_follows_torch_optim(optimizer):
    from ml.nets.training import FlatOptimizer

    gen = torch.Generator().manual_seed(0)
    theta = torch.randn(50, generator=gen)
    ours = theta.clone()
    grad = torch.zeros(50)
    ref = torch.nn.Parameter(theta.clone())
    kwargs = {"lr": 0.05, "weight_decay": 0.01}
    if optimizer == "adam":
        opt = torch.optim.Adam([ref], **kwargs)
    else:
        opt = torch.optim.SGD([ref], momentum=0.9 if optimizer == "momentum" else 0.0, **kwargs)
    flat = FlatOptimizer(ours, grad, optimizer, 0.05, momentum=0.9, weight_decay=0.01)
    for _ in range(5):
        g = torch.randn(50, generator=gen)
        ref.grad = g.clone()
        opt.step()
        grad.copy_(g)
        flat.step()
    assert torch.allclose(ours, ref.detach(), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(ours, theta)


def test_old_import_paths_still_work():
    from ml import models, nets, runtime

    assert nets.compute_threads is runtime.compute_threads and nets.cpu_threads is runtime.cpu_threads
    assert models.fit_model is runtime.fit_model and models.limited_threads is runtime.limited_threads
    assert models.readable_errors is runtime.readable_errors
    assert issubclass(nets.TrainingDiverged, models._ReadableError)
