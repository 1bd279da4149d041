"""The harness's own safety net: a kernel that fails to start is retried, a third failure is reported."""

import importlib.util

import pytest
from course_paths import ROOT


def _root_conftest():
    spec = importlib.util.spec_from_file_location("root_conftest_under_test", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kernel_start_is_retried(monkeypatch):
    conf = _root_conftest()
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError("Kernel didn't respond in 30 seconds")
        return "km", "kc"

    monkeypatch.setattr(conf, "_start_new_kernel", flaky)
    assert conf._start_new_kernel_with_retry(kernel_name="x") == ("km", "kc")
    assert len(calls) == 3


def test_kernel_start_gives_up_after_three_attempts(monkeypatch):
    conf = _root_conftest()

    def dead(*args, **kwargs):
        raise RuntimeError("Kernel didn't respond in 30 seconds")

    monkeypatch.setattr(conf, "_start_new_kernel", dead)
    with pytest.raises(RuntimeError):
        conf._start_new_kernel_with_retry(kernel_name="x")
