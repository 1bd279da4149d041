"""The (embedded) Reber grammar: a text generator whose ideal loss is known exactly.

Reber's grammar (Reber 1967) is a small finite-state machine over the letters
``B T P S X V E``.  The *embedded* version (Cleeremans et al. 1989; Hochreiter &
Schmidhuber 1997, Experiment 1) wraps a Reber string between two copies of the same
symbol, ``T`` or ``P``::

    B T <Reber string> T E      or      B P <Reber string> P E

so the second-to-last symbol must repeat the second one, however long the inner
string is: a long-range dependency.  Everything here is numpy only.

    >>> rng = np.random.default_rng(0)
    >>> s = embedded_reber_string(rng)
    >>> is_embedded_reber(s)
    True
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "ALPHABET",
    "REBER_EDGES",
    "START",
    "EXIT",
    "reber_string",
    "embedded_reber_string",
    "is_reber",
    "is_embedded_reber",
    "make_corpus",
    "encode",
    "decode",
    "split_strings",
    "fraction_valid",
    "expected_inner_length",
    "entropy_rate",
    "memoryless_entropy_rate",
    "optimal_next_probs",
    "memoryless_next_probs",
    "long_range_targets",
    "FILLER_SYMBOLS",
    "long_lag_string",
    "is_long_lag",
    "make_long_lag_corpus",
]

#: The seven symbols, in the order of the model's one-hot code.
ALPHABET = "BTPSXVE"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}

#: Reber's grammar as a graph: node -> [(symbol, next node), ...], each edge taken with
#: probability 1/2.  Node 0 follows the initial ``B``; reaching node ``EXIT`` emits ``E``.
REBER_EDGES: dict[int, list[tuple[str, int]]] = {
    0: [("T", 1), ("P", 2)],
    1: [("S", 1), ("X", 3)],
    2: [("T", 2), ("V", 4)],
    3: [("X", 2), ("S", 5)],
    4: [("P", 3), ("V", 5)],
}
START, EXIT = 0, 5


def reber_string(rng: np.random.Generator) -> str:
    """One string of Reber's grammar, e.g. ``BTSSXXTVVE``: ``B``, a random walk, ``E``."""
    out, node = ["B"], START
    while node != EXIT:
        symbol, node = REBER_EDGES[node][rng.integers(2)]
        out.append(symbol)
    out.append("E")
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """One string of the embedded grammar: ``B``, ``T`` or ``P``, a Reber string, the same symbol, ``E``."""
    outer = "TP"[rng.integers(2)]
    return "B" + outer + reber_string(rng) + outer + "E"


def is_reber(s: str) -> bool:
    """Whether ``s`` is exactly one string of Reber's grammar."""
    if len(s) < 2 or s[0] != "B" or s[-1] != "E":
        return False
    node = START
    for c in s[1:-1]:
        if node == EXIT:  # the walk already ended, but symbols remain
            return False
        edges = dict(REBER_EDGES[node])
        if c not in edges:
            return False
        node = edges[c]
    return node == EXIT


def is_embedded_reber(s: str) -> bool:
    """Whether ``s`` is exactly one string of the embedded grammar (outer symbols must match)."""
    return (
        len(s) >= 4
        and s[0] == "B"
        and s[-1] == "E"
        and s[1] in "TP"
        and s[-2] == s[1]
        and is_reber(s[2:-2])
    )


def make_corpus(n_strings: int, rng: np.random.Generator) -> str:
    """``n_strings`` embedded Reber strings, concatenated into one stream of characters."""
    return "".join(embedded_reber_string(rng) for _ in range(n_strings))


def encode(text: str) -> np.ndarray:
    """Characters -> integer codes (int64), in the order of ``ALPHABET``."""
    return np.array([_INDEX[c] for c in text], dtype=np.int64)


def decode(codes) -> str:
    """Integer codes -> characters."""
    return "".join(ALPHABET[int(i)] for i in codes)


def split_strings(stream: str) -> list[str]:
    """Cut a stream at every ``E`` followed by ``B``: the only place one embedded string ends and the next begins.

    (Inside a valid string an ``E`` is followed by ``T`` or ``P``.)  The last piece,
    which a finite sample usually cuts short, is dropped.
    """
    pieces = re.split(r"(?<=E)(?=B)", stream)
    return pieces[:-1]


def fraction_valid(stream: str) -> tuple[float, int]:
    """The fraction of complete strings in ``stream`` that are valid, and how many strings there were."""
    pieces = split_strings(stream)
    if not pieces:
        return 0.0, 0
    return sum(is_embedded_reber(p) for p in pieces) / len(pieces), len(pieces)


def expected_inner_length() -> float:
    """Expected number of symbols a Reber string emits between its ``B`` and ``E``.

    With m_k the expected number of symbols still to come from node k, each node
    emits one symbol and moves along one of its two edges:
    m_k = 1 + (m_a + m_b) / 2, with m_EXIT = 0.  A linear system; we solve it.
    """
    n = len(REBER_EDGES)
    A, b = np.eye(n), np.ones(n)
    for k, edges in REBER_EDGES.items():
        for _, nxt in edges:
            if nxt != EXIT:
                A[k, nxt] -= 0.5
    return float(np.linalg.solve(A, b)[START])


def entropy_rate() -> float:
    """The ideal loss of the stream in nats per character.

    Per embedded string: one fair choice for the outer symbol and one for every
    symbol of the inner walk (L of them) carry ln 2 nats each; all other symbols
    (``B``, ``B``, ``E``, the repeated outer symbol, ``E``) are certain to a
    predictor that knows the state.  The string has L + 6 characters, so the rate
    is ln 2 * (1 + E[L]) / (E[L] + 6) (a renewal-reward average).
    """
    L = expected_inner_length()
    return float(np.log(2) * (1 + L) / (L + 6))


def memoryless_entropy_rate() -> float:
    """The best loss of a predictor that has forgotten the second symbol when it must repeat it.

    It must guess the penultimate symbol, one more fair choice (ln 2) per string.
    """
    L = expected_inner_length()
    return float(np.log(2) * (2 + L) / (L + 6))


def optimal_next_probs(text: str) -> np.ndarray:
    """The ideal predictor: P(text[t+1] | text[: t+1]) for a stream that starts at a string boundary.

    Returns an array of shape (len(text) - 1, 7), row t the distribution of the
    character after position t, over ``ALPHABET``.  It parses the stream, so it
    knows the grammar's state and the outer symbol it must repeat.
    """
    probs = np.zeros((len(text) - 1, len(ALPHABET)))
    phase, node, outer = "B", None, None  # phase: which part of the embedded string comes next
    for t, c in enumerate(text[:-1]):
        # consume c, then describe what may come next
        if phase == "B":  # c is the outer B
            phase, nxt = "outer", {"T": 0.5, "P": 0.5}
        elif phase == "outer":  # c is the outer T or P
            outer, phase, nxt = c, "innerB", {"B": 1.0}
        elif phase == "innerB":  # c is the inner B
            node, phase = START, "walk"
            nxt = {s: 0.5 for s, _ in REBER_EDGES[node]}
        elif phase == "walk":  # c is a symbol of the inner walk
            node = dict(REBER_EDGES[node])[c]
            if node == EXIT:
                phase, nxt = "innerE", {"E": 1.0}
            else:
                nxt = {s: 0.5 for s, _ in REBER_EDGES[node]}
        elif phase == "innerE":  # c is the inner E: the outer symbol must come back
            phase, nxt = "repeat", {outer: 1.0}
        elif phase == "repeat":  # c repeats the outer symbol
            phase, nxt = "E", {"E": 1.0}
        else:  # c is the outer E: a new string begins
            phase, nxt = "B", {"B": 1.0}
        for s, p in nxt.items():
            probs[t, _INDEX[s]] = p
    return probs


def memoryless_next_probs(text: str) -> np.ndarray:
    """The ideal predictor, except that it has forgotten the outer symbol when it must repeat it.

    Like :func:`optimal_next_probs`, but at every inner ``E`` it puts 1/2 on ``T`` and
    1/2 on ``P``.  Its cross-entropy on a text is the best loss on that text of any
    predictor that does not carry the outer symbol across the inner string.
    """
    probs = optimal_next_probs(text)
    positions, _ = long_range_targets(text)
    probs[positions] = 0.0
    probs[positions, _INDEX["T"]] = probs[positions, _INDEX["P"]] = 0.5
    return probs


def long_range_targets(text: str, filler: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Where the long-range symbol is predicted, for a stream of whole embedded strings.

    Returns ``positions``: the t (as in ``optimal_next_probs``) whose next character
    is the repeated outer symbol, i.e. the inner ``E``; and ``lags``: how many steps
    separate the outer symbol (the string's second character) from its repeat.
    With ``filler > 0`` the stream holds strings of the long-lag variant
    (:func:`long_lag_string`).
    """
    valid = is_embedded_reber if filler == 0 else is_long_lag
    starts = [0, *(m.start() for m in re.finditer(r"(?<=E)(?=B)", text)), len(text)]
    positions, lags = [], []
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        if valid(text[a:b]):
            positions.append(b - 3)  # text[b - 3] is the inner E, text[b - 2] the repeat
            lags.append((b - 2) - (a + 1))
    return np.array(positions, dtype=np.int64), np.array(lags, dtype=np.int64)


# --------------------------------------------------------------------------- long lag

#: The filler's symbols: drawn uniformly and independently, they carry no information.
FILLER_SYMBOLS = "TPSXV"


def long_lag_string(rng: np.random.Generator, max_filler: int) -> str:
    """The embedded grammar with a filler of uninformative symbols inside the inner string.

    ``B``, the outer ``T`` or ``P``, the inner ``B``, a filler of k symbols drawn
    uniformly from ``FILLER_SYMBOLS`` (they include ``T`` and ``P``, so nothing in
    them gives the outer symbol away), the rest of a Reber string (its walk and its
    ``E``), the same outer symbol, ``E``.  The filler's length k is uniform on
    0 ... ``max_filler``, so the lag between the outer symbol and its repeat,
    k + L + 3, ranges from 6 to well beyond ``max_filler``: short lags to learn
    from, long ones to test.
    """
    outer = "TP"[rng.integers(2)]
    k = int(rng.integers(max_filler + 1))
    noise = "".join(FILLER_SYMBOLS[j] for j in rng.integers(len(FILLER_SYMBOLS), size=k))
    return "B" + outer + "B" + noise + reber_string(rng)[1:] + outer + "E"


def is_long_lag(s: str) -> bool:
    """Whether ``s`` is exactly one string of the long-lag variant (any filler length)."""
    if len(s) < 4 or s[0] != "B" or s[-1] != "E" or s[1] not in "TP" or s[-2] != s[1] or s[2] != "B":
        return False
    inner = s[3:-2]  # filler + walk + E: some split must leave a valid walk
    return any(
        all(c in FILLER_SYMBOLS for c in inner[:k]) and is_reber("B" + inner[k:]) for k in range(len(inner))
    )


def make_long_lag_corpus(n_strings: int, rng: np.random.Generator, max_filler: int) -> str:
    """``n_strings`` strings of the long-lag variant, concatenated into one stream."""
    return "".join(long_lag_string(rng, max_filler) for _ in range(n_strings))
