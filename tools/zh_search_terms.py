"""Keep Chinese search whole-word: write every Chinese term of the glossary into jieba's user dictionary.

    python tools/zh_search_terms.py           # rewrite zh-search-terms.txt from book/glossary.md
    python tools/zh_search_terms.py --check   # exit 1 if it is out of date

The book's search uses Sphinx's Chinese splitter (``html_search_language: zh``), which cuts Chinese text into words
with jieba.  jieba does not know course terms such as 常数误差传送带 or 谱半径 and would cut them into pieces, so a
reader searching for the whole term would find nothing.  ``html_search_options: {dict: zh-search-terms.txt}`` in
_config.yml loads this file, one term per line, so that each glossary term is indexed as a word (jieba's search
mode still indexes its parts too).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "book" / "glossary.md"
OUT = ROOT / "zh-search-terms.txt"
HAN = re.compile(r"[\u4e00-\u9fff][\u4e00-\u9fffA-Za-z0-9–-]*[\u4e00-\u9fff]|[\u4e00-\u9fff]{2,}")


def terms(text: str) -> list[str]:
    found = set()
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        for cell in line.strip("|").split("|"):
            for term in HAN.findall(cell):
                if 2 <= len(term) <= 12:
                    found.add(term)
    return sorted(found)


def render() -> str:
    # jieba's format: "word frequency" per line, no comments (generated from the glossary: do not edit by hand).
    return "".join(f"{t} 100000\n" for t in terms(GLOSSARY.read_text()))


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text() != text:
            print("zh-search-terms.txt is out of date: run `python tools/zh_search_terms.py`")
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT.name}: {text.count(chr(10))} terms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
