"""Look at the built book in a real browser, with the network off.

    python tools/browser_check.py                    # check _build/html (build it first if it is stale)
    python tools/browser_check.py --install          # first install Debian's chromium if it is missing
    python tools/browser_check.py --install-only     # only install chromium (what .ci/run does)
    python tools/browser_check.py --html DIR --out DIR --no-build

For every page of the book part (the chapters, the landing page and the back matter; ``--all`` adds the exercises
and the solutions) it runs headless Chromium, with no network at all.

A single Chromium run per page dumps the DOM (``--dump-dom``) once a virtual-time budget is spent, and takes a
screenshot at 1280x2000 into ``_build/browser-check/`` for a person to look at (``--dark`` adds a dark-mode one).
The page passes when MathJax, served from the build itself (``_static/mathjax``), has typeset every maths element
(each ``span.math`` / ``div.math`` holds an ``mjx-container``) without an error (``mjx-merror``), when no raw TeX
(``\\frac``, ``\\begin``, ``$$``, ``\\(``, a lone ``$`` ...) is left in the visible text outside code and outputs,
and when every ``<img>`` has alt text.

"No network" is enforced twice over: Chromium runs in a fresh network namespace (``unshare -n``, where the kernel
allows it) and is pointed at a proxy that does not exist.  Before the pages are checked, a probe proves it: a page
loaded the same way tries to fetch a script from an HTTP server on this machine's loopback and must fail, while the
same probe without the isolation must succeed.

Exit status 0 when every page passes.  Standard library only, except BeautifulSoup (installed with jupyter-book),
which is imported when pages are checked.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
OUT = ROOT / "_build" / "browser-check"
APT_PACKAGES = ["chromium", "fonts-wqy-microhei"]  # the font: the glossary's Chinese terms, legible in screenshots
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--disable-dev-shm-usage",  # small /dev/shm in containers (GitHub Actions)
]
# A proxy that does not exist, used for every host, loopback included ("<-loopback>" removes the implicit bypass).
NO_NETWORK_FLAGS = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
BUDGET_MS = 10000
# Raw TeX that MathJax should have consumed.  A lone "$" counts: dollarmath would have turned a real one into maths.
RAW_TEX = re.compile(r"\\(frac|begin|end|left|right|sum|prod|partial|mathbf|mathrm|odot|tanh|sigma|tilde)\b"
                     r"|\$|\\\(|\\\)|\\\[|\\\]")
SOURCES = ["book", "exercises", "solutions", "_config.yml", "_toc.yml", "references.bib"]


# --------------------------------------------------------------------------------------------------------------
# Chromium
# --------------------------------------------------------------------------------------------------------------
def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def install_chromium() -> str:
    """Install Debian's chromium (CI runs as root) unless it is already there; return its path."""
    found = find_chromium()
    if found:
        return found
    if shutil.which("apt-get") is None:
        raise SystemExit("chromium is missing and there is no apt-get: install Chromium yourself")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES]
    start = time.monotonic()
    print("installing chromium:", " ".join(install), flush=True)
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        print("apt-get install failed; running apt-get update first", flush=True)
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"chromium installed in {time.monotonic() - start:.1f} s", flush=True)
    found = find_chromium()
    if not found:
        raise SystemExit("apt-get reported success but no chromium binary is on PATH")
    return found


@functools.lru_cache(maxsize=1)
def namespace_prefix() -> tuple[str, ...]:
    """``unshare -n`` when a new, empty network namespace can be made here (root, or user namespaces)."""
    for prefix in (("unshare", "-n"), ("unshare", "-r", "-n")):
        if shutil.which(prefix[0]) and subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    return ()


def run_chromium(chromium: str, args: list[str], *, isolated: bool = True, timeout: float = 90):
    """Run one headless Chromium with a fresh profile; return (stdout, stderr, returncode)."""
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *args]
        if isolated:
            cmd = [*namespace_prefix(), chromium, *FLAGS, *NO_NETWORK_FLAGS, f"--user-data-dir={profile}", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    return proc.stdout, proc.stderr, proc.returncode


# --------------------------------------------------------------------------------------------------------------
# Is the network really off?
# --------------------------------------------------------------------------------------------------------------
PROBE_PAGE = """<!doctype html><html><body><p id="r">BLOCKED</p>
<script src="http://127.0.0.1:{port}/probe.js"></script></body></html>"""
PROBE_JS = "document.getElementById('r').textContent = 'REACHED';"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    hits: list[str] = []

    def log_message(self, *args):  # keep the output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Quiet.hits.append(self.path)
        super().do_GET()


def verify_no_network(chromium: str) -> str:
    """Prove that the isolated browser reaches nothing, and that the probe itself works."""
    with tempfile.TemporaryDirectory(prefix="netprobe-") as tmp:
        (Path(tmp) / "probe.js").write_text(PROBE_JS)
        handler = functools.partial(_Quiet, directory=tmp)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            page = Path(tmp) / "probe.html"
            page.write_text(PROBE_PAGE.format(port=server.server_address[1]))
            url = page.as_uri()
            args = ["--dump-dom", "--virtual-time-budget=3000", url]
            _Quiet.hits.clear()
            isolated, _, _ = run_chromium(chromium, args, isolated=True, timeout=60)
            isolated_hits = len(_Quiet.hits)
            control, _, _ = run_chromium(chromium, args, isolated=False, timeout=60)
        finally:
            server.shutdown()
            server.server_close()
    if "REACHED" in isolated or isolated_hits:
        raise SystemExit("network isolation failed: the isolated browser fetched from a loopback server")
    if "BLOCKED" not in isolated:
        raise SystemExit("network probe inconclusive: the isolated browser did not render the probe page")
    how = "unshare -n + dead proxy" if namespace_prefix() else "dead proxy (no network namespace available)"
    if "REACHED" not in control:
        # Without a working control the probe proves nothing: say so loudly, but the isolation flags still apply.
        return f"{how}; WARNING: the control probe without isolation did not load either"
    return f"{how}; verified: the probe reached a loopback server only without the isolation"


# --------------------------------------------------------------------------------------------------------------
# The pages
# --------------------------------------------------------------------------------------------------------------
def pages_to_check(html: Path, include_all: bool) -> list[Path]:
    folders = ["book", "exercises", "solutions"] if include_all else ["book"]
    pages = []
    for folder in folders:
        pages += sorted((html / folder).glob("*.html"))
    return pages


def inspect_dom(dom: str) -> dict:
    """What MathJax did to the page, from the DOM Chromium dumped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(dom, "html.parser")
    maths = soup.select(".math")
    untypeset = [m for m in maths if m.find("mjx-container") is None]
    errors = soup.find_all("mjx-merror")
    missing_alt = [img.get("src", "?") for img in soup.find_all("img") if not (img.get("alt") or "").strip()]
    main = soup.select_one("main") or soup.body or soup
    for tag in main.find_all(["script", "style", "pre", "code", "mjx-container", "textarea", "noscript"]):
        tag.decompose()
    for tag in main.select(".highlight, .cell_output, .output"):
        tag.decompose()
    text = main.get_text(" ", strip=True)
    raw = sorted({m.group(0) for m in RAW_TEX.finditer(text)})
    snippets = [text[max(0, m.start() - 40): m.end() + 40] for m in list(RAW_TEX.finditer(text))[:3]]
    return {
        "maths": len(maths),
        "typeset": len(maths) - len(untypeset),
        "containers": dom.count("<mjx-container"),
        "errors": len(errors),
        "raw": raw,
        "snippets": snippets,
        "missing_alt": missing_alt,
        "mathjax_local": "_static/mathjax/" in dom,
        "words": len(text.split()),
    }


def check_page(chromium: str, page: Path, html: Path, out: Path, dark: bool) -> tuple[bool, str]:
    rel = page.relative_to(html)
    url = page.as_uri()
    shot = out / (str(rel).replace("/", "__").removesuffix(".html") + ".png")
    for budget in (BUDGET_MS, 3 * BUDGET_MS):  # a second, longer try before calling the maths untypeset
        shot.unlink(missing_ok=True)
        # One run does both: the DOM is dumped and the screenshot taken once the virtual-time budget is spent.
        dom, err, code = run_chromium(chromium, [f"--virtual-time-budget={budget}", "--dump-dom",
                                                 f"--screenshot={shot}", "--window-size=1280,2000", url])
        if code != 0 or "<html" not in dom:
            return False, f"{rel}: chromium failed (exit {code}): {err.strip()[-300:]}"
        info = inspect_dom(dom)
        if info["typeset"] == info["maths"]:
            break
    if dark:
        run_chromium(chromium, [f"--virtual-time-budget={BUDGET_MS}", "--force-dark-mode",
                                "--blink-settings=preferredColorScheme=0",
                                f"--screenshot={shot.with_name(shot.stem + '.dark.png')}",
                                "--window-size=1280,2000", url])
    problems = []
    if info["maths"] and not info["mathjax_local"]:
        problems.append("MathJax is not loaded from _static/mathjax")
    if info["typeset"] < info["maths"]:
        problems.append(f"{info['maths'] - info['typeset']} of {info['maths']} maths elements not typeset")
    if info["errors"]:
        problems.append(f"{info['errors']} MathJax errors")
    if info["raw"]:
        problems.append(f"raw TeX in the visible text: {info['raw']} e.g. {info['snippets']}")
    if info["missing_alt"]:
        problems.append(f"images without alt text: {info['missing_alt']}")
    if not shot.exists():
        problems.append("no screenshot")
    summary = (f"{str(rel):42s} maths {info['typeset']:4d}/{info['maths']:<4d} words {info['words']:6d}  "
               f"{'OK' if not problems else 'FAIL: ' + '; '.join(problems)}")
    return not problems, summary


# --------------------------------------------------------------------------------------------------------------
# Build if needed
# --------------------------------------------------------------------------------------------------------------
def newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        for p in files:
            if ".ipynb_checkpoints" not in p.parts:
                newest = max(newest, p.stat().st_mtime)
    return newest


def build_if_stale(html: Path) -> None:
    index = html / "index.html"
    if index.exists() and index.stat().st_mtime >= newest_source_mtime():
        return
    jb = Path(sys.executable).parent / "jupyter-book"
    if not jb.exists():
        jb = Path(shutil.which("jupyter-book") or "jupyter-book")
    print("building the book (it is missing or older than its sources) ...", flush=True)
    subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--html", type=Path, default=HTML, help="the built site (default _build/html)")
    parser.add_argument("--out", type=Path, default=OUT, help="screenshots go here (default _build/browser-check)")
    parser.add_argument("--install", action="store_true", help="apt-get install chromium if it is missing")
    parser.add_argument("--install-only", action="store_true", help="install chromium if missing, then exit")
    parser.add_argument("--no-build", action="store_true", help="do not build the book even if it looks stale")
    parser.add_argument("--all", action="store_true", help="also check the exercise and solution pages")
    parser.add_argument("--dark", action="store_true", help="also take dark-mode screenshots")
    parser.add_argument("pages", nargs="*", help="only these pages (paths relative to the site, e.g. book/intro.html)")
    args = parser.parse_args(argv)

    if args.install or args.install_only:
        chromium = install_chromium()
        if args.install_only:
            return 0
    else:
        chromium = find_chromium()
        if not chromium:
            print("chromium is not installed: run `make browser-check` (it installs it) or "
                  "`apt-get install chromium`", file=sys.stderr)
            return 2
    html = args.html.resolve()
    if not args.no_build and html == HTML.resolve():
        build_if_stale(html)
    if not (html / "index.html").exists():
        print(f"{html}/index.html is missing: build the book first (make book)", file=sys.stderr)
        return 2

    start = time.monotonic()
    print(f"browser: {chromium}", flush=True)
    print(f"network: {verify_no_network(chromium)}", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    pages = [html / p for p in args.pages] if args.pages else pages_to_check(html, args.all)
    ok = True
    for page in pages:
        passed, line = check_page(chromium, page, html, args.out, args.dark)
        ok &= passed
        print(line, flush=True)
    print(f"{len(pages)} pages in {time.monotonic() - start:.1f} s; screenshots in {args.out}")
    print("browser check:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
