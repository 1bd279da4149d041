"""A bibliography style whose labels match the author–year citations in the text.

Registered as the pybtex style ``authoryear``: entries sorted by author, year and title, each labelled like the
in-text citation, "Elman 1990", "Schuster & Paliwal 1997", "Cho et al. 2014".  Two works of one author and year
carry the letter of their ``year`` field ("Olah 2015a", "Olah 2015b"), which the in-text citations show too.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person) -> str:
    return " ".join(person.last_names) or " ".join(person.first_names)


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = list(self._labels(sorted_entries))
        # Any label still shared (a year field without its letter) gets one here, in the sorted order.
        for label in {x for x in labels if labels.count(x) > 1}:
            for k, i in enumerate(i for i, x in enumerate(labels) if x == label):
                labels[i] = f"{label}{'abcdefghij'[k]}"
        yield from labels

    def _labels(self, sorted_entries):
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            names = [_surname(p).replace("{", "").replace("}", "") for p in people]
            if not names:
                who = entry.fields.get("organization", entry.key)
            elif len(names) == 1:
                who = names[0]
            elif len(names) == 2:
                who = f"{names[0]} & {names[1]}"
            else:
                who = f"{names[0]} et al."
            yield f"{who} {entry.fields.get('year', 'n.d.')}"


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "authoryear"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "authoryear", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
