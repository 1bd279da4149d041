"""Checks on the book as a reader gets it: the table of contents, the chapters' structure, and the built site.

The site is built once per test session into a temporary folder (not `_build/`, which test_book.py rebuilds at
the same time under pytest-xdist).  The build here is not strict: test_book.py owns "no warnings"; these tests
look at what was built.

- every page under book/, exercises/ and solutions/ is in _toc.yml, and every toc entry exists;
- every chapter has "Learning objectives" and "Summary" headings;
- no internal link or resource is broken (files and #anchors);
- every image has alt text, every figure also a caption; the shared diagrams are shown, captioned and referenced;
- MathJax is served from the site itself, and the launch buttons point at the repository in _config.yml;
- in headless Chromium with no network, every page's maths is typeset (tools/browser_check.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from course_paths import BOOK, ROOT, chapter_notebooks

SITE_FOLDERS = ("book", "exercises", "solutions")
SHARED_FIGURES = sorted(p.name for p in (BOOK / "figures").glob("*.svg"))


# --------------------------------------------------------------------------------------------------------------
# Sources: the table of contents and the chapters' headings (no build needed)
# --------------------------------------------------------------------------------------------------------------
def _toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(f).with_suffix("")) for f in files]


def _source_pages() -> list[str]:
    pages = []
    for folder in SITE_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".md", ".ipynb"} and ".ipynb_checkpoints" not in path.parts:
                pages.append(str(path.relative_to(ROOT).with_suffix("")))
    return sorted(pages)


def test_every_page_is_in_the_toc():
    missing = sorted(set(_source_pages()) - set(_toc_files()))
    assert not missing, f"pages not in _toc.yml (only_build_toc_files would silently drop them): {missing}"


def test_every_toc_entry_exists_once():
    files = _toc_files()
    absent = [f for f in files if not any((ROOT / f).with_suffix(s).exists() for s in (".md", ".ipynb"))]
    assert not absent, f"_toc.yml lists files that do not exist: {absent}"
    duplicates = sorted({f for f in files if files.count(f) > 1})
    assert not duplicates, f"_toc.yml lists these twice: {duplicates}"


def _headings(path: Path) -> list[tuple[int, str]]:
    cells = json.loads(path.read_text())["cells"]
    found = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        in_fence = False
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith(("```", "~~~")):
                in_fence = not in_fence
            match = re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line)
            if match and not in_fence:
                found.append((len(match.group(1)), match.group(2).strip()))
    return found


@pytest.mark.parametrize("path", chapter_notebooks(), ids=[p.stem for p in chapter_notebooks()])
def test_chapter_has_objectives_and_summary(path):
    headings = _headings(path)
    assert headings and headings[0][0] == 1, f"{path.name}: the first heading must be the chapter's `# Title`"
    level2 = [text.lower() for level, text in headings if level == 2]
    assert "learning objectives" in level2, f"{path.name}: no `## Learning objectives` heading"
    assert "summary" in level2, f"{path.name}: no `## Summary` heading"
    assert level2.index("learning objectives") < level2.index("summary"), f"{path.name}: objectives after summary"


# --------------------------------------------------------------------------------------------------------------
# The built site
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    jb = Path(sys.executable).parent / "jupyter-book"
    proc = subprocess.run([str(jb), "build", str(ROOT), "-n", "--keep-going", "--path-output", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    html = out / "_build" / "html"
    assert (html / "index.html").exists(), f"the book did not build:\n{(proc.stdout + proc.stderr)[-4000:]}"
    return html


class _Page(HTMLParser):
    """The ids, links, resources, images and figures of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.refs: list[tuple[str, str]] = []  # (tag.attr, url)
        self.images: list[dict] = []  # attrs of each <img>, plus the figure it sits in
        self.figures: list[dict] = []  # {"id", "imgs", "caption"}
        self._figure_stack: list[dict] = []
        self._in_caption = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key) and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) is not None and tag != "base":
                self.refs.append((f"{tag}.{key}", a[key]))
        if tag == "figure":
            self._figure_stack.append({"id": a.get("id", ""), "imgs": [], "caption": ""})
        elif tag == "figcaption":
            self._in_caption += 1
        elif tag == "img":
            img = {**a, "in_figure": bool(self._figure_stack)}
            self.images.append(img)
            if self._figure_stack:
                self._figure_stack[-1]["imgs"].append(img)

    def handle_endtag(self, tag):
        if tag == "figure" and self._figure_stack:
            self.figures.append(self._figure_stack.pop())
        elif tag == "figcaption":
            self._in_caption -= 1

    def handle_data(self, data):
        if self._in_caption and self._figure_stack:
            self._figure_stack[-1]["caption"] += data


def _content_pages(site: Path) -> list[Path]:
    pages = [site / "index.html", site / "search.html", site / "genindex.html"]
    for folder in SITE_FOLDERS:
        pages += sorted((site / folder).glob("*.html"))
    return [p for p in pages if p.exists()]


_PARSED: dict[Path, _Page] = {}


def _parse(path: Path) -> _Page:
    if path not in _PARSED:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        _PARSED[path] = page
    return _PARSED[path]


def test_no_broken_internal_links(site):
    broken = []
    for page_path in _content_pages(site):
        page = _parse(page_path)
        for where, url in page.refs:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or not url.strip():
                continue  # external (http, https, mailto, javascript, data): not ours to check offline
            target = page_path if not parts.path else (page_path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page_path.relative_to(site)}: {where}={url} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                if unquote(parts.fragment) not in _parse(target).ids:
                    broken.append(f"{page_path.relative_to(site)}: {where}={url} (no such anchor)")
    assert not broken, f"{len(broken)} broken internal links:\n" + "\n".join(broken[:40])


def test_every_image_has_alt_text_and_every_figure_a_caption(site):
    problems = []
    for page_path in _content_pages(site):
        page = _parse(page_path)
        rel = page_path.relative_to(site)
        for img in page.images:
            alt = (img.get("alt") or "").strip()
            if not alt:
                problems.append(f"{rel}: <img src={img.get('src')}> has no alt text")
            elif img["in_figure"] and alt in (img.get("src", ""), Path(img.get("src", "")).name):
                problems.append(f"{rel}: figure {img.get('src')} has only its file name as alt text")
        for fig in page.figures:
            if not fig["caption"].strip():
                problems.append(f"{rel}: figure {fig['id'] or fig['imgs']} has no caption")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SHARED_FIGURES)
def test_shared_figure_is_shown_captioned_and_referenced(site, name):
    """Each diagram of tools/make_figures.py appears in a chapter, with alt text and a caption, and the prose
    refers to it ({numref}, or a link to the figure's anchor)."""
    shown = []
    for page_path in sorted((site / "book").glob("[0-9][0-9]*-*.html")):
        for fig in _parse(page_path).figures:
            if any(Path(img.get("src", "")).name == name for img in fig["imgs"]):
                shown.append((page_path, fig))
    assert shown, f"book/figures/{name} is not shown in any chapter"
    referenced = False
    for page_path, fig in shown:
        assert fig["caption"].strip(), f"{page_path.name}: {name} has no caption"
        assert all((img.get("alt") or "").strip() for img in fig["imgs"]), f"{page_path.name}: {name} has no alt"
        if fig["id"]:
            for other in _content_pages(site):
                for _, url in _parse(other).refs:
                    parts = urlsplit(url)
                    if unquote(parts.fragment) == fig["id"] and (
                        not parts.path or Path(parts.path).name == page_path.name
                    ):
                        referenced = True
    assert referenced, f"no page refers to the figure showing {name} (use {{numref}} with its :name:)"


def test_mathjax_is_served_from_the_site(site):
    mathjax = site / "_static" / "mathjax" / "tex-chtml.js"
    assert mathjax.exists(), "the local MathJax copy is missing (sphinx-mathjax-offline in _config.yml)"
    with_maths = 0
    for page_path in _content_pages(site):
        text = page_path.read_text(encoding="utf-8")
        scripts = re.findall(r"<script[^>]*src=\"([^\"]*mathjax[^\"]*)\"", text, flags=re.I)
        assert all(not urlsplit(s).scheme and not s.startswith("//") for s in scripts), (
            f"{page_path.relative_to(site)} loads MathJax from the network: {scripts}"
        )
        if 'class="math' in text:
            with_maths += 1
            assert scripts, f"{page_path.relative_to(site)} has maths but loads no MathJax"
    assert with_maths, "no page has any maths: is dollarmath still enabled?"


def test_launch_buttons_point_at_the_repository(site):
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    branch = config["repository"].get("branch", "main")
    owner_repo = urlsplit(url).path.strip("/")
    assert config["launch_buttons"]["colab_url"] and config["launch_buttons"]["binderhub_url"]
    for page_path in sorted((site / "book").glob("[0-9][0-9]*-*.html")):
        rel = page_path.relative_to(site).with_suffix(".ipynb")
        refs = [u for _, u in _parse(page_path).refs]
        colab = f"https://colab.research.google.com/github/{owner_repo}/blob/{branch}/{rel}"
        assert colab in refs, f"{page_path.name}: no Colab button for {colab}"
        assert any(u.startswith(f"https://mybinder.org/v2/gh/{owner_repo}/{branch}") for u in refs), (
            f"{page_path.name}: no Binder button"
        )
    from rnnbook.setup_cell import REF, REPOSITORY_URL, SETUP_CELL

    assert REPOSITORY_URL == url, "rnnbook/setup_cell.py installs from another URL than _config.yml's repository.url"
    assert f"git+{url}@{REF}" in SETUP_CELL, "the setup cell must install the pinned release REF"


def test_landing_page_links_the_chapters_and_the_back_matter(site):
    refs = {Path(urlsplit(u).path).name for _, u in _parse(site / "book" / "intro.html").refs}
    for name in ["glossary.html", "errata.html", "references.html",
                 *[p.with_suffix(".html").name for p in chapter_notebooks()]]:
        assert name in refs, f"the landing page does not link {name}"
    assert (site / "index.html").exists()


def test_pages_typeset_in_a_browser_without_network(site):
    """tools/browser_check.py: headless Chromium, network off, MathJax must finish on every book page."""
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
                    None)
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser check: .ci/run installs chromium before `make test`")
        pytest.skip("chromium is not installed (`make browser-check` installs it)")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "browser_check.py"), "--no-build", "--html", str(site),
         "--out", str(ROOT / "_build" / "browser-check")],
        capture_output=True, text=True, timeout=600,
    )
    print(proc.stdout)
    assert proc.returncode == 0, f"browser check failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"


def test_chinese_glossary_terms_are_searchable(site):
    # The zh search splitter (jieba) with the glossary's terms as its user dictionary: each term is one index word.
    sys.path.insert(0, str(ROOT / "tools"))
    import zh_search_terms

    assert zh_search_terms.main(["--check"]) == 0, "zh-search-terms.txt is out of date"
    text = (site / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    wanted = ["梯度", "梯度消失", "遗忘门", "谱半径", "常数误差传送带", "时间反向传播"]
    missing = [w for w in wanted if w not in index["terms"]]
    assert not missing, f"the search index has no entry for {missing}"
