"""ml.runtime: thread caps and readable errors, the same for every fit."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning

from ml import runtime


class _Fails(ClassifierMixin, BaseEstimator):
    def __init__(self, error=None):
        self.error = error

    def fit(self, X, y):
        raise self.error


class _Warns(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        warnings.warn("did not converge in 3 iterations", ConvergenceWarning, stacklevel=2)
        warnings.warn("something else", UserWarning, stacklevel=2)
        return self


X, Y = np.zeros((4, 2)), np.array([0, 1, 0, 1])


@pytest.mark.parametrize(("value", "expected"), [(None, 1), ("", 0), ("0", 0), ("3", 3), ("-2", 0)])
def test_compute_threads_reads_the_environment(value, expected, monkeypatch):
    if value is None:
        monkeypatch.delenv("ML_EXPLORER_THREADS", raising=False)
    else:
        monkeypatch.setenv("ML_EXPLORER_THREADS", value)
    assert runtime.compute_threads() == expected


def test_compute_threads_refuses_words(monkeypatch):
    monkeypatch.setenv("ML_EXPLORER_THREADS", "many")
    with pytest.raises(ValueError, match="ML_EXPLORER_THREADS must be a whole number"):
        runtime.compute_threads()


def test_cpu_threads_caps_torch_and_restores_after_nested_use(monkeypatch):
    import torch

    monkeypatch.setenv("ML_EXPLORER_THREADS", "1")
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with runtime.cpu_threads("cpu"):
            assert torch.get_num_threads() == 1
            with runtime.cpu_threads("cpu"):  # a concurrent fit shares the setting
                assert torch.get_num_threads() == 1
            assert torch.get_num_threads() == 1  # still held by the outer fit
        assert torch.get_num_threads() == 2
        with runtime.cpu_threads("cuda"):  # a GPU fit leaves the CPU setting alone
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_limited_threads_caps_openmp(monkeypatch):
    from threadpoolctl import threadpool_info

    monkeypatch.setenv("ML_EXPLORER_THREADS", "1")
    with runtime.limited_threads():
        inside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"]
    assert inside and set(inside) == {1}


def test_readable_errors_name_the_model_and_let_worded_errors_through():
    with pytest.raises(ValueError, match=r"Training _Fails\(error=.*\) failed: CUDA out of memory — try"):
        runtime.fit_model(_Fails(RuntimeError("CUDA out of memory")), X, Y)
    with pytest.raises(ValueError, match=r"^already worded$"):
        runtime.fit_model(_Fails(runtime.ReadableError("already worded")), X, Y)
    with pytest.raises(KeyError):  # programming errors are not disguised
        runtime.fit_model(_Fails(KeyError("bug")), X, Y)
    with pytest.raises(ValueError, match=r"^Scoring _Fails"):
        with runtime.readable_errors(_Fails(), "Scoring"):
            raise FloatingPointError("overflow")


def test_fit_model_keeps_convergence_warnings_and_re_emits_the_rest():
    with pytest.warns(UserWarning, match="something else"):
        est = runtime.fit_model(_Warns(), X, Y)
    assert est.fit_warnings_ == ["did not converge in 3 iterations"]
