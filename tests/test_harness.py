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


def _figure_notebook(tmp_path, tamper: bool):
    """A one-figure notebook, executed and stored like the course's; optionally with one changed PNG byte."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import matplotlib.pyplot as plt\nfrom rnnbook.plot import use_style\nuse_style()\n"
        "plt.plot([0, 1, 4])\nplt.show()"
    )]
    nbclient.NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    out = next(o for o in nb.cells[0].outputs if "image/png" in o.get("data", {}))
    if tamper:
        png = out["data"]["image/png"]
        out["data"]["image/png"] = png[:200] + ("A" if png[200] != "A" else "B") + png[201:]
    path = tmp_path / ("tampered.ipynb" if tamper else "stored.ipynb")
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("tamper", [False, True], ids=["same-png-passes", "changed-png-fails"])
def test_nbval_compares_stored_png_figures(tmp_path, tamper):
    # nbval alone skips image/png; the root conftest.py makes it compare them, so a changed plot fails.
    import os
    import subprocess
    import sys

    path = _figure_notebook(tmp_path, tamper)
    # The notebook lies outside the repository, so load the root conftest.py explicitly, as a plugin.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "conftest", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), str(path)],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    if tamper:
        assert result.returncode != 0 and "image/png" in result.stdout, result.stdout[-2000:]
    else:
        assert result.returncode == 0, result.stdout[-2000:]
