"""Which torch would `make` install on a machine that is not ours?  (Needs network; not part of `make test`.)

It runs pip's resolver twice with `--dry-run --report`, with this machine's pip configuration and local wheel
folders switched off (PIP_CONFIG_FILE=/dev/null, no PIP_FIND_LINKS):
  1. PyPI alone: `torch==2.13.0` resolves to the CUDA build, with the nvidia-* and triton wheels;
  2. PyPI plus the option tools/torch_index.py prints (PyPI + PyTorch's CPU index): `2.13.0+cpu`.
Where PyTorch's index cannot be reached (as in an offline sandbox), pip silently falls back to PyPI's CUDA build:
that is what the report then shows.  `--cpu-index URL` replaces PyTorch's index with another one that serves the
same `torch-2.13.0+cpu` wheel, for example a local PEP 503 folder made with `--mirror-from WHEEL`.

    python3 tools/check_foreign_install.py
    python3 tools/check_foreign_install.py --mirror-from /path/to/torch-2.13.0+cpu-cp311-...whl
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def resolve(extra: list[str]) -> tuple[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
             "--retries", "1", "--timeout", "20",
             "--report", str(report), "--index-url", "https://pypi.org/simple", *extra, "torch==2.13.0"],
            capture_output=True, text=True, env=env, timeout=900,
        )
        if proc.returncode != 0 or not report.exists():
            return "unresolved: " + (proc.stderr.strip().splitlines() or ["?"])[-1], []
        installs = json.loads(report.read_text())["install"]
    torch = next(i["metadata"]["version"] for i in installs if i["metadata"]["name"] == "torch")
    return torch, sorted(i["metadata"]["name"] for i in installs if i["metadata"]["name"] != "torch")


def mirror(wheel: Path, folder: Path) -> str:
    """A one-package PEP 503 index serving `wheel`, like PyTorch's CPU index serves it."""
    (folder / "torch").mkdir(parents=True, exist_ok=True)
    (folder / "torch" / "index.html").write_text(f'<a href="{wheel.resolve().as_uri()}">{wheel.name}</a>\n')
    return folder.resolve().as_uri()


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cpu-index", help="use this index instead of PyTorch's CPU index")
    parser.add_argument("--mirror-from", help="serve this torch +cpu wheel from a local index instead")
    args = parser.parse_args(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    if args.mirror_from:
        env["TORCH_INDEX"] = mirror(Path(args.mirror_from), Path(tempfile.mkdtemp()) / "simple")
    elif args.cpu_index:
        env["TORCH_INDEX"] = args.cpu_index
    option = subprocess.run([sys.executable, str(ROOT / "tools" / "torch_index.py")], capture_output=True,
                            text=True, env=env).stdout.split()
    for label, extra in [("PyPI only", []), ("PyPI + " + " ".join(option or ["(no index)"]), option)]:
        version, deps = resolve(extra)
        cuda = [d for d in deps if d.startswith(("nvidia", "triton", "cuda"))]
        print(f"{label}: torch {version}; {len(deps)} dependencies, {len(cuda)} of them CUDA/triton")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
