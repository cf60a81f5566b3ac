"""The autoencoder and variational autoencoder: they learn, follow scikit-learn's API and pickle."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from ml.nets import StopTraining, TorchAutoencoder, TorchVariationalAutoencoder, TrainingDiverged

torch.set_num_threads(1)

FAST = dict(epochs=15, hidden_units=16, learning_rate=0.01, device="cpu", random_state=0)
CLASSES = [TorchAutoencoder, TorchVariationalAutoencoder]


@pytest.fixture(scope="module")
def iris():
    return StandardScaler().fit_transform(load_iris().data)


@pytest.fixture(scope="module")
def fitted(iris):
    return {cls: cls(**FAST).fit(iris) for cls in CLASSES}


@pytest.mark.parametrize("cls", CLASSES)
def test_training_reduces_the_loss_and_sets_the_contract(cls, fitted, iris):
    model = fitted[cls]
    losses = [r["train_loss"] for r in model.history_]
    assert losses[-1] < 0.7 * losses[0]
    assert model.embedding_.shape == (len(iris), 2)
    assert model.n_features_in_ == 4 and model.device_ == "cpu" and model.n_epochs_ == 15
    assert np.allclose(model.transform(iris), model.embedding_)
    keys = {"epoch", "train_loss", "val_loss", "train_reconstruction", "val_reconstruction"}
    if cls is TorchVariationalAutoencoder:
        keys |= {"train_kl", "val_kl"}
        assert model.variational
    assert set(model.history_[-1]) == keys


@pytest.mark.parametrize("cls", CLASSES)
def test_reconstructions_and_errors(cls, fitted, iris):
    model = fitted[cls]
    Z = model.transform(iris[:10])
    rebuilt = model.inverse_transform(Z)
    assert Z.shape == (10, 2) and rebuilt.shape == (10, 4)
    assert np.allclose(model.reconstruct(iris[:10]), rebuilt)
    errors = model.reconstruction_error(iris)
    assert errors.shape == (len(iris),) and (errors >= 0).all()
    assert np.allclose(errors[:10], ((rebuilt - iris[:10]) ** 2).mean(axis=1))
    assert model.score(iris) == pytest.approx(-errors.mean())
    # the errors are far below what predicting the mean (0 after standard scaling) would give
    assert errors.mean() < 0.6 * (iris**2).mean()
    # an unusual row is rebuilt worse than typical ones: what the anomaly page relies on
    assert model.reconstruction_error(np.array([[6.0, -6.0, 6.0, -6.0]]))[0] > np.quantile(errors, 0.99)
    with pytest.raises(ValueError, match="latent"):
        model.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="features"):
        model.transform(iris[:, :3])


@pytest.mark.parametrize("cls", CLASSES)
def test_same_seed_same_embedding(cls, fitted, iris):
    again = cls(**FAST).fit(iris)
    assert np.array_equal(again.embedding_, fitted[cls].embedding_)
    other = cls(**{**FAST, "random_state": 1}).fit(iris)
    assert not np.allclose(other.embedding_, fitted[cls].embedding_)


@pytest.mark.parametrize("cls", CLASSES)
def test_pickle_joblib_and_clone(cls, fitted, iris, tmp_path):
    model = fitted[cls]
    model.set_params(callback=lambda r, n: None)
    try:
        restored = pickle.loads(pickle.dumps(model))
        joblib.dump(model, tmp_path / "ae.joblib")
        loaded = joblib.load(tmp_path / "ae.joblib")
    finally:
        model.set_params(callback=None)
    assert restored.callback is None
    for twin in (restored, loaded):
        assert np.array_equal(twin.transform(iris), model.transform(iris))
        assert np.array_equal(twin.reconstruction_error(iris), model.reconstruction_error(iris))
    fresh = clone(model)
    assert fresh.get_params() == model.get_params() and not hasattr(fresh, "module_")


def test_vae_beta_and_latent_prior(iris):
    """A larger β pulls the codes towards the standard normal: smaller KL, worse reconstruction."""
    weak = TorchVariationalAutoencoder(**{**FAST, "epochs": 30, "beta": 0.1}).fit(iris)
    strong = TorchVariationalAutoencoder(**{**FAST, "epochs": 30, "beta": 4.0}).fit(iris)
    assert strong.history_[-1]["train_kl"] < weak.history_[-1]["train_kl"]
    assert strong.history_[-1]["train_reconstruction"] > weak.history_[-1]["train_reconstruction"]


def test_linear_autoencoder_spans_the_pca_plane(iris):
    """With no hidden layers the autoencoder learns PCA's subspace (up to a rotation)."""
    from sklearn.decomposition import PCA

    ae = TorchAutoencoder(
        hidden_layers=0, epochs=200, learning_rate=0.02, batch_size=150, validation_fraction=0.0,
        device="cpu", random_state=0,
    ).fit(iris)  # fmt: skip
    pca = PCA(2).fit(iris)
    pca_error = ((pca.inverse_transform(pca.transform(iris)) - iris) ** 2).mean()
    assert ae.reconstruction_error(iris).mean() < 1.1 * pca_error
    assert "val_loss" not in ae.history_[-1]  # no validation split asked for


def test_early_stopping_and_callback_stop(iris):
    seen = []

    def stop_at_3(record, n_epochs):
        seen.append(record["epoch"])
        return record["epoch"] < 3

    model = TorchAutoencoder(**{**FAST, "callback": stop_at_3}).fit(iris)
    assert model.n_epochs_ == 3 == len(seen) and model.stop_reason_ == "callback"
    assert model.embedding_.shape == (len(iris), 2)

    def raise_stop(record, n_epochs):
        if record["epoch"] == 2:
            raise StopTraining

    assert TorchVariationalAutoencoder(**{**FAST, "callback": raise_stop}).fit(iris).n_epochs_ == 2
    stopped = TorchAutoencoder(
        **{**FAST, "epochs": 400, "learning_rate": 0.05, "early_stopping": True, "patience": 3}
    ).fit(iris)
    assert stopped.stop_reason_ == "early_stopping" and stopped.n_epochs_ == stopped.best_epoch_ + 3


def test_divergence_is_reported(iris):
    with pytest.raises(TrainingDiverged, match=r"diverged at epoch \d+.*standardise"):
        TorchAutoencoder(**{**FAST, "learning_rate": 1e8}).fit(iris * 1e20)


@pytest.mark.parametrize(
    "bad",
    [
        {"latent_dim": 0},
        {"hidden_layers": -1},
        {"activation": "elu"},
        {"beta": -1.0},
        {"validation_fraction": 1.0},
        {"variational": "yes"},
        {"epochs": 0},
    ],
)
def test_bad_params_raise_in_fit(bad, iris):
    model = TorchAutoencoder(**{**FAST, **bad})
    with pytest.raises(ValueError, match=next(iter(bad))):
        model.fit(iris)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        TorchAutoencoder().transform(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        TorchVariationalAutoencoder().reconstruction_error(np.zeros((2, 3)))
