"""A character model on real text: the Python standard library's own source.

Chapter 8b and ``tests/test_demo_ch08b.py`` run exactly this code.

- :func:`stdlib_corpus` reads a pinned, sorted list of top-level ``.py`` files of the
  running interpreter's standard library (nothing is downloaded) and checks their
  SHA-256 against the reference install (CPython 3.11.7);
- :class:`NGramLM` is an interpolated Kneser-Ney n-gram model, computed exactly from
  counts with numpy; :func:`addone_bits` gives the add-one unigram and bigram baselines;
- :func:`train_textlm` trains a one-layer LSTM with truncated BPTT (random chunk offsets
  at every pass), Adam and a cosine learning-rate decay;
- :func:`char_labels` gives ground truth for every character from :mod:`tokenize`
  (inside a string, inside a comment, bracket depth, indentation level, column);
- :func:`fit_probe` / :func:`best_unit` measure what the cell states encode.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import sys
import sysconfig
import time
import tokenize
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "ALPHABET",
    "V",
    "TRAIN_FILES",
    "VALID_FILES",
    "TEST_FILES",
    "LEFT_OUT",
    "REFERENCE_SHA256",
    "Corpus",
    "stdlib_corpus",
    "encode",
    "decode",
    "shared_fraction",
    "addone_bits",
    "NGramLM",
    "choose_ngram",
    "TextLSTM",
    "TextLMResult",
    "train_textlm",
    "DEMO",
    "CHECKPOINT",
    "make_checkpoint",
    "load_checkpoint",
    "model_bits",
    "bits_per_char",
    "run_states",
    "sample",
    "line_validity",
    "char_labels",
    "fit_probe",
    "best_unit",
]

# The alphabet: newline and the 95 printable ASCII characters. Every pinned file is pure ASCII
# without tabs or form feeds, so no character is ever mapped to a placeholder.
ALPHABET = "\n" + "".join(chr(i) for i in range(32, 127))
V = len(ALPHABET)
_LUT = np.full(128, -1, dtype=np.int64)
for _i, _ch in enumerate(ALPHABET):
    _LUT[ord(_ch)] = _i

# Which files: the ASCII top-level modules of 5-40 kB whose names do not start with "_",
# shuffled once (numpy default_rng(0)) and split by file: 6 for validation, 6 for test, the
# rest for training. Splitting by file means the held-out text is code the model never saw.
# Second edition: wave.py, drawn for the test split, is left out of every split. About half of
# its 30-character strings occur in the training text (aifc.py and sunau.py share its code), and
# it holds a copy of chunk.py's class, so it can be neither held out nor trained on while
# chunk.py is held out.  No held-out file shares more than about a tenth (:func:`shared_fraction`).
TRAIN_FILES = (
    "abc.py", "aifc.py", "asynchat.py", "asyncore.py", "base64.py", "bz2.py", "cProfile.py",
    "calendar.py", "cgi.py", "cgitb.py", "cmd.py", "codecs.py", "codeop.py", "contextlib.py",
    "copy.py", "copyreg.py", "dis.py", "filecmp.py", "fileinput.py", "fnmatch.py",
    "gettext.py", "graphlib.py", "gzip.py", "hashlib.py", "hmac.py", "imp.py", "linecache.py",
    "lzma.py", "mailcap.py", "mimetypes.py", "modulefinder.py", "netrc.py", "ntpath.py",
    "numbers.py", "opcode.py", "operator.py", "os.py", "pipes.py", "pkgutil.py",
    "plistlib.py", "poplib.py", "posixpath.py", "pprint.py", "profile.py", "pstats.py",
    "pty.py", "py_compile.py", "pyclbr.py", "queue.py", "quopri.py", "random.py",
    "reprlib.py", "rlcompleter.py", "sched.py", "selectors.py", "shelve.py", "site.py",
    "smtpd.py", "sndhdr.py", "socket.py", "socketserver.py", "string.py", "sunau.py",
    "symtable.py", "sysconfig.py", "tabnanny.py", "tempfile.py", "textwrap.py", "timeit.py",
    "tokenize.py", "trace.py", "tracemalloc.py", "types.py", "uuid.py", "warnings.py",
    "weakref.py", "webbrowser.py", "xdrlib.py", "zipapp.py", "zipimport.py",
)
VALID_FILES = ("bdb.py", "code.py", "csv.py", "glob.py", "stringprep.py", "telnetlib.py")
TEST_FILES = ("chunk.py", "compileall.py", "getpass.py", "stat.py", "uu.py")
LEFT_OUT = ("wave.py",)  # drawn for the test split; a near-copy of training and test files

# SHA-256 of each split's text (the files concatenated in the order above) on CPython 3.11.7.
REFERENCE_PYTHON = "3.11.7"
REFERENCE_SHA256 = {
    "train": "24146c71f372cdcc954ed094abbd8c3c4e1ef7f8d282dfc12e275bf4269c3f37",
    "valid": "85bb08e7211c68d8550da40f7d65ef1d897a15a743919aa0f2311afef93ed03f",
    "test": "b13611833bea8f2f8bb9099dde3526985bfe873dc4a5088f89939ffc06b274ad",
}


@dataclass
class Corpus:
    """The three splits as text, where they came from, and whether they match the reference."""

    train: str
    valid: str
    test: str
    stdlib: str
    python: str
    sha256: dict
    matches_reference: dict

    @property
    def identical(self) -> bool:
        return all(self.matches_reference.values())


def _read(stdlib: Path, names) -> str:
    return "".join((stdlib / n).read_text(encoding="ascii") for n in names)


def stdlib_corpus() -> Corpus:
    """Read the pinned files from this interpreter's standard library; nothing is downloaded."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    texts = {s: _read(stdlib, names) for s, names in
             (("train", TRAIN_FILES), ("valid", VALID_FILES), ("test", TEST_FILES))}
    sha = {s: hashlib.sha256(t.encode()).hexdigest() for s, t in texts.items()}
    match = {s: sha[s] == REFERENCE_SHA256[s] for s in texts}
    python = ".".join(map(str, sys.version_info[:3]))
    return Corpus(**texts, stdlib=str(stdlib), python=python, sha256=sha, matches_reference=match)


def encode(text: str) -> np.ndarray:
    """Characters -> codes 0..V-1 (int64). Fails on a character outside :data:`ALPHABET`."""
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    codes = _LUT[raw]
    if np.any(codes < 0):
        bad = sorted({text[i] for i in np.flatnonzero(codes < 0)[:20]})
        raise ValueError(f"characters outside the alphabet: {bad!r}")
    return codes


def decode(codes) -> str:
    return "".join(ALPHABET[int(c)] for c in codes)


def _kgram_hashes(codes: np.ndarray, k: int) -> np.ndarray:
    """A 64-bit polynomial hash of every k-character string (wrapping arithmetic)."""
    codes = np.asarray(codes, dtype=np.uint64)
    n = len(codes) - k + 1
    h = np.zeros(max(n, 0), dtype=np.uint64)
    base = np.uint64(1_000_003)
    for j in range(k):
        h = h * base + codes[j: j + n] + np.uint64(1)
    return h


def shared_fraction(texts, reference: str, k: int = 30) -> list[float]:
    """For each text: the fraction of its k-character strings that also occur in ``reference``.

    A held-out file with a large fraction is a near-copy of training text.  Strings are compared
    by a 64-bit hash; a false match has a chance of about 1 in 10^19 per pair."""
    ref = np.unique(_kgram_hashes(encode(reference), k))
    out = []
    for text in texts:
        a = _kgram_hashes(encode(text), k)
        i = np.minimum(np.searchsorted(ref, a), len(ref) - 1)
        out.append(float(np.mean(ref[i] == a)) if len(a) else 0.0)
    return out


# --------------------------------------------------------------------------- n-gram baselines


def addone_bits(train_codes, eval_codes, order: int) -> float:
    """Held-out bits per character of the add-one (Laplace) unigram (order 1) or bigram (order 2).

    Counts come from ``train_codes`` only; every one of the V characters gets one extra count.
    Scores the predictions of ``eval_codes[1:]`` (the bigram conditions on the previous character).
    """
    tr, ev = np.asarray(train_codes), np.asarray(eval_codes)
    if order == 1:
        counts = np.bincount(tr, minlength=V) + 1.0
        p = counts / counts.sum()
        return float(-np.mean(np.log2(p[ev[1:]])))
    if order == 2:
        counts = np.zeros((V, V))
        np.add.at(counts, (tr[:-1], tr[1:]), 1.0)
        counts += 1.0
        p = counts / counts.sum(axis=1, keepdims=True)
        return float(-np.mean(np.log2(p[ev[:-1], ev[1:]])))
    raise ValueError("order must be 1 or 2")


def _context_keys(codes: np.ndarray, k: int) -> np.ndarray:
    """Integer key of the k characters ending at each position (base V); -1 where fewer exist."""
    n = len(codes)
    key = np.zeros(n, dtype=np.int64)
    for j in range(k - 1, -1, -1):  # oldest character first
        shifted = np.zeros(n, dtype=np.int64)
        shifted[j:] = codes[: n - j]
        key = key * V + shifted
    key[: k - 1] = -1
    return key


class NGramLM:
    """Interpolated Kneser-Ney character n-gram model (order n: n-1 characters of context).

    Highest order: ``p(w|u) = max(c(uw) - D, 0) / c(u) + D N1+(u.) / c(u) * p(w|u')``, where
    ``u'`` drops the oldest character of ``u``; lower orders use continuation counts (how many
    distinct characters precede ``uw``) in place of ``c``; the recursion ends at 1/V.
    A context never seen in training falls back to the lower order.
    """

    def __init__(self, train_codes, order: int, discount: float = 0.75):
        if not 1 <= order <= 9:
            raise ValueError("order must be 1..9 (keys are int64 in base V = 96)")
        codes = np.asarray(train_codes, dtype=np.int64)
        self.order, self.discount = order, discount
        nxt = codes[1:]
        self.tables = []
        for k in range(order):  # context length k
            if k < order - 1:  # continuation counts from the distinct (k+2)-grams
                ck1 = _context_keys(codes[:-1], k + 1)
                ok = ck1 >= 0
                grams = np.unique(ck1[ok] * V + nxt[ok]) % (V ** (k + 1))
            elif k == 0:
                grams = nxt.copy()
            else:
                ck = _context_keys(codes[:-1], k)
                ok = ck >= 0
                grams = ck[ok] * V + nxt[ok]
            keys, counts = np.unique(grams, return_counts=True)
            ctx, first = np.unique(keys // V, return_index=True)
            totals = np.add.reduceat(counts, first)
            types = np.diff(np.append(first, len(keys)))
            self.tables.append((keys, counts, ctx, totals, types))

    def probs_of_next(self, codes) -> np.ndarray:
        """P(codes[t+1] | codes[: t+1]) for t = 0 .. len(codes)-2 (context capped at order-1)."""
        return self.probs_by_order(codes)[-1]

    def bits_by_order(self, codes) -> list[float]:
        """Held-out bits/char of the models of order 1, 2, ..., n that this one is built on
        (the recursion computes each lower order on the way up)."""
        return [float(-np.mean(np.log2(p))) for p in self.probs_by_order(codes)]

    def probs_by_order(self, codes) -> list[np.ndarray]:
        codes = np.asarray(codes, dtype=np.int64)
        out = []
        nxt = codes[1:]
        p = np.full(len(nxt), 1.0 / V)
        D = self.discount
        for k, (keys, counts, ctx, totals, types) in enumerate(self.tables):
            if k == 0:
                ck, ok = np.zeros(len(nxt), dtype=np.int64), np.ones(len(nxt), bool)
            else:
                ck = _context_keys(codes[:-1], k)
                ok = ck >= 0
                ck = np.where(ok, ck, 0)
            i = np.minimum(np.searchsorted(ctx, ck), len(ctx) - 1)
            seen = ok & (ctx[i] == ck)
            gram = ck * V + nxt
            j = np.minimum(np.searchsorted(keys, gram), len(keys) - 1)
            c = np.where(keys[j] == gram, counts[j], 0)
            total = np.where(seen, totals[i], 1).astype(float)
            pk = (np.maximum(c - D, 0) + D * types[i] * p) / total
            p = np.where(seen, pk, p)
            out.append(p)
        return out

    def bits(self, codes) -> float:
        """Mean bits per character on ``codes[1:]``."""
        return float(-np.mean(np.log2(self.probs_of_next(codes))))


def choose_ngram(train_codes, valid_codes, max_order: int = 9, discount: float = 0.9):
    """Fit once at ``max_order``; pick the order with the lowest validation bits/char.

    Returns (model, best order, validation bits/char of orders 1..max_order)."""
    model = NGramLM(train_codes, max_order, discount)
    table = model.bits_by_order(valid_codes)
    return model, int(np.argmin(table)) + 1, table


# --------------------------------------------------------------------------- the LSTM


def _torch():
    import torch

    return torch


def TextLSTM(hidden: int, vocab: int = V, dropout: float = 0.0):
    """One-hot characters -> ``nn.LSTM(vocab, hidden)`` -> ``nn.Linear(hidden, vocab)``.

    ``forward(x, state)`` takes codes (T, N) and returns logits (T, N, vocab) and ``(h, c)``.
    ``dropout`` zeroes that fraction of the h_t fed to the read-out, in training mode only
    (the recurrence itself is untouched); it has no parameters, so checkpoints do not record it.
    """
    torch = _torch()
    nn = torch.nn

    class _TextLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden, self.vocab = hidden, vocab
            self.rnn = nn.LSTM(vocab, hidden)
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(hidden, vocab)

        def forward(self, x, state=None):
            one_hot = nn.functional.one_hot(x, self.vocab).to(self.head.weight.dtype)
            hs, state = self.rnn(one_hot, state)
            return self.head(self.drop(hs)), state

    return _TextLSTM()


def model_bits(model, codes, n_streams: int = 16) -> float:
    """Held-out bits per character of ``codes[1:]`` (the mean of :func:`bits_per_char`)."""
    return float(np.mean(bits_per_char(model, codes, n_streams)))


def bits_per_char(model, codes, n_streams: int = 16) -> np.ndarray:
    """-log2 P(codes[t+1] | codes[:t+1]) for every t, shape (len(codes) - 1,).

    With ``n_streams=1`` the text is read as one stream from a zero state, with all the context
    the n-gram gets and more.  With ``n_streams > 1`` it is cut into that many pieces read side by
    side (faster), each from a zero state, so the first characters of a piece have less context;
    the training loop's quick evaluations use 16."""
    torch = _torch()
    codes = np.asarray(codes, dtype=np.int64)
    x, y = codes[:-1], codes[1:]
    M = len(x)
    L = -(-M // n_streams)
    pad = L * n_streams - M
    xs = np.concatenate([x, np.zeros(pad, np.int64)]).reshape(n_streams, L).T.copy()
    ys = np.concatenate([y, np.zeros(pad, np.int64)]).reshape(n_streams, L).T.copy()
    with torch.no_grad():
        logits, _ = model(torch.as_tensor(xs))
        logp = torch.log_softmax(logits.double(), dim=-1)
        lp = logp.gather(-1, torch.as_tensor(ys).unsqueeze(-1))[..., 0].numpy()
    return -lp.T.reshape(-1)[:M] / np.log(2)


@dataclass
class TextLMResult:
    seed: int
    model: object = None
    snapshots: dict = field(default_factory=dict)  # update -> state_dict copy
    steps: list[int] = field(default_factory=list)
    train_bits: list[float] = field(default_factory=list)
    valid_bits: list[float] = field(default_factory=list)
    clipped: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    chars_seen: int = 0


DEMO = dict(hidden=128, steps=2000, bptt=32, n_streams=32, lr=1e-2, clip=1.0, eval_every=300,
            snapshot_at=(100, 1000))


def train_textlm(train_codes, valid_codes, hidden=128, steps=2400, bptt=32, n_streams=32,
                 lr=1e-2, clip=1.0, seed=0, eval_every=300, snapshot_at=(100, 1000),
                 valid_chars=20_000, dropout=0.0, stop_after=None) -> TextLMResult:
    """Train :func:`TextLSTM` with truncated BPTT on one stream cut into ``n_streams`` rows.

    Every pass over the text starts at a random offset in [0, bptt) (drawn from ``seed``), so
    chunk boundaries move from pass to pass. Adam with a cosine decay of the learning rate to 0
    over ``steps`` updates; gradient norm clipped at ``clip``. Every ``eval_every`` updates the
    first ``valid_chars`` characters of ``valid_codes`` are scored (bits per character).
    ``stop_after`` ends the run early, with the schedule of the full ``steps`` (used to check
    that a re-run retraces a stored learning curve).
    """
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = TextLSTM(hidden, dropout=dropout)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: 0.5 * (1 + np.cos(np.pi * min(i, steps) / steps)))
    codes = np.asarray(train_codes, dtype=np.int64)
    loss_fn = torch.nn.CrossEntropyLoss()
    res = TextLMResult(seed=seed, model=model)
    res.snapshots[0] = copy.deepcopy(model.state_dict())

    def new_pass():
        off = int(rng.integers(0, bptt))
        L = (len(codes) - off) // n_streams
        return torch.as_tensor(codes[off: off + L * n_streams].reshape(n_streams, L).T.copy())

    data, pos, state = new_pass(), 0, None
    running, t0, c0 = 0.0, time.perf_counter(), time.process_time()
    eval_cpu = 0.0
    for step in range(1, (stop_after or steps) + 1):
        model.train()
        if pos + bptt + 1 > data.shape[0]:
            data, pos, state = new_pass(), 0, None
        x, y = data[pos: pos + bptt], data[pos + 1: pos + bptt + 1]
        pos += bptt
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = loss_fn(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        res.clipped += int(norm.item() > clip)
        opt.step()
        sched.step()
        res.chars_seen += bptt * n_streams
        running += loss.item()
        if step in snapshot_at or step == steps:
            res.snapshots[step] = copy.deepcopy(model.state_dict())
        if step % eval_every == 0 or step == steps:
            e0 = time.process_time()
            res.steps.append(step)
            n_avg = step - (res.steps[-2] if len(res.steps) > 1 else 0)
            res.train_bits.append(running / n_avg / np.log(2))
            running = 0.0
            res.valid_bits.append(model_bits(model.eval(), valid_codes[:valid_chars]))
            eval_cpu += time.process_time() - e0
    model.eval()
    res.seconds = time.perf_counter() - t0
    res.cpu_seconds = time.process_time() - c0
    return res


# --------------------------------------------------------------------------- the long run
# The page's in-notebook model trains for about 20 s.  A longer run, made once by
# `make checkpoint` (tools/make_checkpoint.py) on one CPU thread, is stored in the package.
CHECKPOINT = dict(hidden=384, dropout=0.2, steps=3000, bptt=64, n_streams=64, lr=3e-3,
                  clip=1.0, eval_every=150, snapshot_at=(), valid_chars=20_000)
CHECKPOINT_PATH = Path(__file__).parent / "checkpoints" / "textlm-h384.pt"


def make_checkpoint(path=CHECKPOINT_PATH, seed: int = 0, save: bool = True) -> dict:
    """Train the long run (:data:`CHECKPOINT`) from ``seed``; store float16 weights and a record.

    The record (``meta``): the settings, the learning curve, CPU time, the software versions and
    the held-out bits per character of the stored (float16-rounded) weights on the full
    validation and test splits, each read as one stream (``n_streams=1``), as the n-gram reads it.  Returns the saved dict ``{"state_dict": ..., "meta": ...}``."""
    torch = _torch()
    corpus = stdlib_corpus()
    train, valid, test = (encode(t) for t in (corpus.train, corpus.valid, corpus.test))
    res = train_textlm(train, valid, seed=seed, **CHECKPOINT)
    half = {k: v.detach().to(torch.float16) for k, v in res.model.state_dict().items()}
    model = TextLSTM(CHECKPOINT["hidden"])
    model.load_state_dict({k: v.float() for k, v in half.items()})
    model.eval()
    meta = dict(settings=dict(CHECKPOINT), seed=seed, steps=[int(s) for s in res.steps],
                train_bits=[float(b) for b in res.train_bits],
                valid_bits=[float(b) for b in res.valid_bits],
                cpu_seconds=res.cpu_seconds, chars_seen=res.chars_seen, clipped=res.clipped,
                threads=torch.get_num_threads(), torch=str(torch.__version__), python=corpus.python,
                corpus_identical=corpus.identical, corpus_sha256=corpus.sha256,
                valid_bpc=float(model_bits(model, valid, n_streams=1)),
                test_bpc=float(model_bits(model, test, n_streams=1)))
    saved = {"state_dict": half, "meta": meta}
    if save:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        torch.save(saved, path)
    return saved


def load_checkpoint(path=CHECKPOINT_PATH):
    """(model in eval mode, float32 weights; the record written by :func:`make_checkpoint`)."""
    torch = _torch()
    saved = torch.load(path, weights_only=True)
    meta = saved["meta"]
    model = TextLSTM(meta["settings"]["hidden"])
    model.load_state_dict({k: v.float() for k, v in saved["state_dict"].items()})
    return model.eval(), meta


def load_snapshot(result: TextLMResult, step: int):
    """A fresh :func:`TextLSTM` holding the weights saved after ``step`` updates."""
    model = TextLSTM(result.model.hidden)
    model.load_state_dict(result.snapshots[step])
    return model


def run_states(model, codes):
    """Read ``codes`` as one stream from a zero state; return (h, c), each (T, H) float64."""
    torch = _torch()
    lstm = model.rnn
    x = torch.nn.functional.one_hot(torch.as_tensor(np.asarray(codes, np.int64)), model.vocab)
    x = x.to(model.head.weight.dtype).unsqueeze(1)
    H = lstm.hidden_size
    W_ih, W_hh = lstm.weight_ih_l0, lstm.weight_hh_l0
    b = lstm.bias_ih_l0 + lstm.bias_hh_l0
    with torch.no_grad():
        hs, _ = lstm(x)  # (T, 1, H): h_1 .. h_T, computed by PyTorch
        h = hs[:, 0].double()
        h_prev = torch.cat([torch.zeros(1, H, dtype=h.dtype), h[:-1]])
        a = (x[:, 0].double() @ W_ih.double().T + h_prev @ W_hh.double().T + b.double())
    a = a.numpy()  # PyTorch's gate order: [i | f | g | o]
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
    i, f, g = sig(a[:, :H]), sig(a[:, H: 2 * H]), np.tanh(a[:, 2 * H: 3 * H])
    c = np.zeros((len(a), H))
    c_prev = np.zeros(H)
    for t in range(len(a)):  # c_t = f_t * c_{t-1} + i_t * g_t: the only sequential part
        c_prev = c[t] = f[t] * c_prev + i[t] * g[t]
    return h.numpy(), c


def sample(model, n: int, temperature: float, seed: int, prime: str = "\n") -> str:
    """Draw ``n`` characters after ``prime``; P(next) = softmax(o_t / temperature).

    The LSTM step is run in numpy float64 from the model's weights (one character at a time,
    PyTorch's overhead per call would dominate); the draw is an inverse-CDF lookup of one
    uniform number from ``numpy.random.default_rng(seed)``."""
    lstm = model.rnn
    W_ih = lstm.weight_ih_l0.detach().double().numpy()
    W_hh = lstm.weight_hh_l0.detach().double().numpy()
    b = (lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().double().numpy()
    W_hy = model.head.weight.detach().double().numpy()
    b_y = model.head.bias.detach().double().numpy()
    H = W_hh.shape[1]
    h, c = np.zeros(H), np.zeros(H)
    rng = np.random.default_rng(seed)

    def step(k, h, c):
        a = W_ih[:, k] + W_hh @ h + b  # one-hot input: a column of W_ih; order [i | f | g | o]
        i, f = 1 / (1 + np.exp(-a[:H])), 1 / (1 + np.exp(-a[H: 2 * H]))
        g, o = np.tanh(a[2 * H: 3 * H]), 1 / (1 + np.exp(-a[3 * H:]))
        c = f * c + i * g
        h = o * np.tanh(c)
        return h, c

    for k in encode(prime):
        h, c = step(int(k), h, c)
    out = []
    for _ in range(n):
        z = (W_hy @ h + b_y) / temperature
        p = np.exp(z - z.max())
        cdf = np.cumsum(p)
        k = min(int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right")), V - 1)
        out.append(ALPHABET[k])
        h, c = step(k, h, c)
    return "".join(out)


# --------------------------------------------------------------------------- judging samples


def _line_compiles(s: str) -> bool:
    candidates = [s]
    if s.endswith(":"):
        candidates += [s + " pass", "if 1: pass\n" + s + " pass", "try: pass\n" + s + " pass"]
    for src in candidates:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(src, "<line>", "exec")
            return True
        except Exception:  # SyntaxError, ValueError, RecursionError, MemoryError ...
            continue
    return False


def _balanced(s: str) -> bool:
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for ch in s:
        if ch in "([{":
            stack.append(ch)
        elif ch in ")]}":
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack and s.count('"') % 2 == 0 and s.count("'") % 2 == 0


def line_validity(text: str) -> dict:
    """Per non-blank line: does it compile on its own (a trailing ':' may take a ``pass``)?
    Are its brackets and quotes balanced? Returns fractions and the number of lines."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines:
        return {"lines": 0, "compiles": 0.0, "balanced": 0.0}
    comp = np.mean([_line_compiles(s) for s in lines])
    bal = np.mean([_balanced(s) for s in lines])
    return {"lines": len(lines), "compiles": float(comp), "balanced": float(bal)}


# --------------------------------------------------------------------------- ground truth


def char_labels(text: str) -> dict:
    """Ground truth for every character of a complete Python file, from :mod:`tokenize`.

    Returns int arrays of len(text): ``string`` (1 inside a string literal, quotes included),
    ``comment`` (1 inside a comment, ``#`` included), ``depth`` (open brackets before the
    character), ``indent`` (INDENT level of its line) and ``column`` (position in its line).
    """
    n = len(text)
    starts = np.concatenate([[0], np.cumsum([len(ln) for ln in text.splitlines(True)])])
    string, comment = np.zeros(n, np.int64), np.zeros(n, np.int64)
    depth, indent = np.zeros(n, np.int64), np.zeros(n, np.int64)

    def off(rc):
        return int(starts[rc[0] - 1] + rc[1])

    d_depth, d_indent = np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.ENDMARKER:
            break
        a, b = off(tok.start), off(tok.end)
        if tok.type == tokenize.STRING:
            string[a:b] = 1
        elif tok.type == tokenize.COMMENT:
            comment[a:b] = 1
        elif tok.type == tokenize.OP and tok.string in "([{":
            d_depth[b] += 1  # the characters after an opening bracket are one level deeper
        elif tok.type == tokenize.OP and tok.string in ")]}":
            d_depth[a + 1] -= 1  # the closing bracket itself is still inside
        elif tok.type in (tokenize.INDENT, tokenize.DEDENT):
            d_indent[int(starts[tok.start[0] - 1])] += 1 if tok.type == tokenize.INDENT else -1
    depth[:] = np.cumsum(d_depth)[:n]
    indent[:] = np.cumsum(d_indent)[:n]
    column = np.zeros(n, np.int64)
    for s, e in zip(starts[:-1], starts[1:], strict=True):
        column[int(s): int(e)] = np.arange(int(e) - int(s))
    return {"string": string, "comment": comment, "depth": depth, "indent": indent,
            "column": column}


# --------------------------------------------------------------------------- probes


def _standardise(train, test):
    mu, sd = train.mean(axis=0), train.std(axis=0) + 1e-8
    return (train - mu) / sd, (test - mu) / sd


def fit_probe(X_train, y_train, X_test, y_test, ridge: float = 1e-2) -> float:
    """A linear probe on all units: least squares from the standardised units (plus a bias) to
    the one-hot labels, fitted on the training part; the predicted class is the largest output.
    Returns its accuracy on the *test* part."""
    Xa, Xb = _standardise(np.asarray(X_train, float), np.asarray(X_test, float))
    classes = np.unique(np.concatenate([y_train, y_test]))
    Y = (np.asarray(y_train)[:, None] == classes[None, :]).astype(float)
    A = np.hstack([Xa, np.ones((len(Xa), 1))])
    W = np.linalg.solve(A.T @ A + ridge * len(A) * np.eye(A.shape[1]), A.T @ Y)
    pred = classes[np.argmax(np.hstack([Xb, np.ones((len(Xb), 1))]) @ W, axis=1)]
    return float(np.mean(pred == np.asarray(y_test)))


def best_unit(X_train, y_train, X_test, y_test):
    """The single unit whose value best separates a binary label, by a threshold.

    The unit and its threshold (and direction) are chosen on the training part; returns
    (unit, correlation on the training part, accuracy on the test part).
    """
    Xa, Xb = np.asarray(X_train, float), np.asarray(X_test, float)
    ya, yb = np.asarray(y_train), np.asarray(y_test)
    Xc = Xa - Xa.mean(axis=0)
    yc = ya - ya.mean()
    corr = (Xc * yc[:, None]).sum(0) / (np.sqrt((Xc ** 2).sum(0) * (yc ** 2).sum()) + 1e-12)
    unit = int(np.argmax(np.abs(corr)))
    sign = 1.0 if corr[unit] > 0 else -1.0
    xa, xb = sign * Xa[:, unit], sign * Xb[:, unit]
    qs = np.quantile(xa, np.linspace(0.01, 0.99, 99))
    accs = [np.mean((xa > q) == ya) for q in qs]
    thr = qs[int(np.argmax(accs))]
    return unit, float(corr[unit]), float(np.mean((xb > thr) == yb))


PROBE_TRAIN_FILES = ("compileall.py",)  # the probes are fitted here ...
PROBE_TEST_FILES = ("wave.py",)  # ... and scored here: a test file, and a file in no split
# (left out of the corpus as a near-copy of training files, so the model never trained on it)
PROPERTIES = ("string", "comment", "brackets", "indent")


@functools.lru_cache(maxsize=8)
def _file_labels(path: str):
    text = Path(path).read_text(encoding="ascii")
    lab = char_labels(text)
    labels = {"string": lab["string"], "comment": lab["comment"],
              "brackets": (lab["depth"] > 0).astype(np.int64),
              "indent": np.minimum(lab["indent"], 3)}
    return encode(text), labels


def probe_data(model, names, stdlib: str | None = None):
    """Cell states ``c_t`` (T, H) and labels for the files ``names``, each read from a zero state.

    Labels: ``string``, ``comment``, ``brackets`` (bracket depth > 0): 0/1; ``indent``: the
    indentation level capped at 3 (classes 0, 1, 2, 3+)."""
    stdlib = Path(stdlib or sysconfig.get_paths()["stdlib"])
    states, labels = [], {p: [] for p in PROPERTIES}
    for name in names:
        codes, lab = _file_labels(str(stdlib / name))
        states.append(run_states(model, codes)[1])
        for p in PROPERTIES:
            labels[p].append(lab[p])
    return np.concatenate(states), {p: np.concatenate(v) for p, v in labels.items()}


def probe_report(trained, untrained) -> dict:
    """For every property: majority baseline, best single trained unit, linear probe on all
    units of the trained model and of the untrained control. Accuracies on the probe-test files."""
    Xa, ya = probe_data(trained, PROBE_TRAIN_FILES)
    Xb, yb = probe_data(trained, PROBE_TEST_FILES)
    Ua, _ = probe_data(untrained, PROBE_TRAIN_FILES)
    Ub, _ = probe_data(untrained, PROBE_TEST_FILES)
    report = {}
    for p in PROPERTIES:
        values, counts = np.unique(ya[p], return_counts=True)
        majority = values[np.argmax(counts)]
        row = {"majority": float(np.mean(yb[p] == majority)),
               "probe": fit_probe(Xa, ya[p], Xb, yb[p]),
               "control": fit_probe(Ua, ya[p], Ub, yb[p])}
        if p != "indent":
            unit, r, acc = best_unit(Xa, ya[p], Xb, yb[p])
            row.update(unit=unit, r=r, unit_acc=acc)
        report[p] = row
    return report
