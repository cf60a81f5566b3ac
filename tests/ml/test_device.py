"""Device resolution: "auto" picks CUDA, then MPS, else the CPU; explicit choices are checked."""

import pytest
import torch

from ml import device as dev


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    monkeypatch.delenv("ML_EXPLORER_DEVICE", raising=False)


def _no_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None:
        monkeypatch.setattr(mps, "is_available", lambda: False)


def test_cpu_always_works():
    assert dev.resolve_device("cpu") == "cpu"
    assert dev.resolve_device("CPU") == "cpu"
    assert dev.device_name("cpu").startswith("CPU")


def test_auto_falls_back_to_cpu_without_cuda(monkeypatch):
    _no_gpus(monkeypatch)
    assert dev.resolve_device("auto") == "cpu"
    assert dev.resolve_device(None) == "cpu"


def test_environment_variable_overrides_auto(monkeypatch):
    monkeypatch.setenv("ML_EXPLORER_DEVICE", "cpu")
    assert dev.resolve_device("auto") == "cpu"


def test_bad_name_raises():
    with pytest.raises(ValueError, match="device must be one of"):
        dev.resolve_device("tpu")


def test_cuda_without_gpu_raises(monkeypatch):
    _no_gpus(monkeypatch)
    with pytest.raises(ValueError, match="no CUDA GPU"):
        dev.resolve_device("cuda")


def test_torch_model_rejects_bad_device():
    import numpy as np

    from ml.nets import TorchMLPClassifier

    X = np.random.default_rng(0).normal(size=(20, 2))
    y = (X[:, 0] > 0).astype(int)
    with pytest.raises(ValueError, match="device"):
        TorchMLPClassifier(device="tpu", epochs=1).fit(X, y)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_auto_picks_cuda_when_present():
    assert dev.resolve_device("auto") == "cuda"
    assert "CUDA" in dev.device_name("auto")
