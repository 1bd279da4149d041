"""pytest configuration for the whole repository (nbval on book/ and solutions/, and tests/).

A Jupyter kernel very occasionally fails to answer its first message (seen once in many runs on
the 2-core course machine, with two pytest-xdist workers starting kernels at the same time).  nbval
would then fail every cell of that notebook.  Retrying the start is safe: nothing has run yet.
"""

import logging

import nbval.kernel
import nbval.plugin

# Keep nbval's own function once, so that importing this file twice does not nest the retries.
_start_new_kernel = getattr(nbval.kernel, "_original_start_new_kernel", nbval.kernel.start_new_kernel)
nbval.kernel._original_start_new_kernel = _start_new_kernel
ATTEMPTS = 3


def _start_new_kernel_with_retry(*args, **kwargs):
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _start_new_kernel(*args, **kwargs)
        except RuntimeError:
            if attempt == ATTEMPTS:
                raise
            logging.getLogger("nbval").warning("kernel did not start; retrying (%d of %d)", attempt + 1, ATTEMPTS)


nbval.kernel.start_new_kernel = _start_new_kernel_with_retry


# nbval skips image/png unless --nbdime is given.  The pinned stack redraws every figure byte for byte, so compare
# the stored PNGs too: a changed plot must fail the suite, not slip through (see tests/test_harness.py).
_ipynb_file_init = getattr(nbval.plugin.IPyNbFile, "_original_init", nbval.plugin.IPyNbFile.__init__)
nbval.plugin.IPyNbFile._original_init = _ipynb_file_init


def _ipynb_file_init_comparing_png(self, *args, **kwargs):
    _ipynb_file_init(self, *args, **kwargs)
    self.skip_compare = tuple(key for key in self.skip_compare if key != "image/png")


nbval.plugin.IPyNbFile.__init__ = _ipynb_file_init_comparing_png


# Tests marked `checkpoint` re-make a stored checkpoint (minutes each): `make check-checkpoint` runs them.
def pytest_addoption(parser):
    parser.addoption("--run-checkpoint", action="store_true", help="run the tests marked checkpoint")


def pytest_collection_modifyitems(config, items):
    import pytest

    if config.getoption("--run-checkpoint"):
        return
    skip = pytest.mark.skip(reason="re-makes a checkpoint: make check-checkpoint")
    for item in items:
        if "checkpoint" in item.keywords:
            item.add_marker(skip)
