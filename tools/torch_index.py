"""Print the pip option that makes `torch==2.13.0` resolve to PyTorch's CPU-only build.

    python3 tools/torch_index.py      ->  --extra-index-url https://download.pytorch.org/whl/cpu
                                          (or nothing, when a local CPU wheel is already on pip's path)

On PyPI, `torch==2.13.0` for Linux is the CUDA build: it pulls the CUDA toolkit, cuDNN, NCCL and triton (several
GB).  PyTorch's CPU-only index serves `2.13.0+cpu`, which sorts above `2.13.0`, so adding that index as an *extra*
index picks the CPU build.  The Makefile passes this script's output to `pip install`.

Where pip already finds a `+cpu` wheel without any index (a `find-links` folder, as on the course machines), the
extra index is left out: an index that cannot be reached makes pip retry for every package, which would slow the
install for nothing.

Override with the environment variable TORCH_INDEX (also a Makefile variable):
    TORCH_INDEX=https://download.pytorch.org/whl/cpu make test   # always add this index
    TORCH_INDEX= make test                                       # never add an index (you manage torch yourself)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH = "torch==2.13.0"


def local_cpu_wheel(python: str = sys.executable) -> str | None:
    """The torch version pip resolves with no index at all (find-links only), or None."""
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        result = subprocess.run(
            [python, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-deps", "--no-index",
             "--quiet", "--report", report, TORCH],
            capture_output=True, text=True,
        )
        if result.returncode != 0 or not os.path.exists(report):
            return None
        with open(report) as f:
            installs = json.load(f).get("install", [])
    return installs[0]["metadata"]["version"] if installs else None


def index_option(python: str = sys.executable) -> str:
    if "TORCH_INDEX" in os.environ:
        url = os.environ["TORCH_INDEX"].strip()
        return f"--extra-index-url {url}" if url else ""
    version = local_cpu_wheel(python)
    if version and version.endswith("+cpu"):
        return ""
    return f"--extra-index-url {CPU_INDEX}"


if __name__ == "__main__":
    print(index_option(sys.argv[1] if len(sys.argv) > 1 else sys.executable))
