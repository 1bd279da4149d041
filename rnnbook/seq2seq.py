"""Chapter 10: sequence to sequence on dates written by people -> ISO ``YYYY-MM-DD``.

Everything the chapter trains and measures lives here, so the page and the slow test
(``tests/test_demo_ch10.py``) run exactly the same code.

* **Data.**  Dates between 1950-01-01 and 2049-12-31 written in many formats (English
  month and weekday names are spelled out below, never taken from the machine's locale;
  Chinese formats in Arabic digits and in Chinese numerals).  The target is always the
  10 characters ``YYYY-MM-DD``.  A random fifth of the days is held out, and one format
  (``"yyyy Month d"``, e.g. ``2026 November 30``) is never shown in training.
* **Models.**  :class:`Seq2Seq`: a GRU encoder, a GRU-cell decoder initialised with the
  encoder's final state, and optionally additive attention (Bahdanau et al. 2015).
* **Decoding.**  :func:`greedy_decode`, :func:`beam_decode` (batched, fixed length).
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "MONTHS",
    "WEEKDAYS",
    "FORMATS",
    "HELD_OUT_FORMAT",
    "TRAIN_FORMATS",
    "zh_numeral",
    "render",
    "iso",
    "Vocab",
    "OUT_CHARS",
    "DateData",
    "make_data",
    "encode_batch",
    "Seq2Seq",
    "TrainResult",
    "train_seq2seq",
    "greedy_decode",
    "beam_decode",
    "teacher_forced",
    "exact_match",
    "evaluate",
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ZH_DIGITS = "〇一二三四五六七八九"
ZH_WEEKDAYS = "一二三四五六日"
FIRST, LAST = _dt.date(1950, 1, 1), _dt.date(2049, 12, 31)


def _ordinal(d: int) -> str:
    suffix = "th" if 11 <= d <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
    return f"{d}{suffix}"


def zh_numeral(n: int) -> str:
    """1..31 in Chinese numerals: 十 = 10, 十一 = 11, 二十 = 20, 三十一 = 31."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else ZH_DIGITS[tens] + "十")
    return head + (ZH_DIGITS[ones] if ones else "")


def _zh_year(y: int) -> str:
    return "".join(ZH_DIGITS[int(c)] for c in str(y))


# name -> template; every example is 2026-11-30, a Monday.  Fields in braces.
FORMATS = {
    "d Month yyyy": "{d} {Month} {yyyy}",  # 30 November 2026
    "Month d, yyyy": "{Month} {d}, {yyyy}",  # November 30, 2026
    "Mon d, yyyy": "{Mon} {d}, {yyyy}",  # Nov 30, 2026
    "d Mon yyyy": "{d} {Mon} {yyyy}",  # 30 Nov 2026
    "dd.mm.yyyy": "{dd}.{mm}.{yyyy}",  # 30.11.2026
    "mm/dd/yyyy": "{mm}/{dd}/{yyyy}",  # 11/30/2026
    "yyyy/mm/dd": "{yyyy}/{mm}/{dd}",  # 2026/11/30
    "dd-Mon-yyyy": "{dd}-{Mon}-{yyyy}",  # 30-Nov-2026
    "yyyymmdd": "{yyyy}{mm}{dd}",  # 20261130
    "MONTH d yyyy": "{MONTH} {d} {yyyy}",  # NOVEMBER 30 2026
    "Month dth, yyyy": "{Month} {dth}, {yyyy}",  # November 30th, 2026
    "the dth of Month, yyyy": "the {dth} of {Month}, {yyyy}",
    "Wkd d Mon yyyy": "{Wkd} {d} {Mon} {yyyy}",  # Mon 30 Nov 2026
    "Weekday, d Month yyyy": "{Weekday}, {d} {Month} {yyyy}",
    "Weekday, the dth of Month, yyyy": "{Weekday}, the {dth} of {Month}, {yyyy}",
    "zh": "{yyyy}年{m}月{d}日",  # 2026年11月30日
    "zh weekday": "{yyyy}年{m}月{d}日星期{zhw}",  # 2026年11月30日星期一
    "zh numerals": "{zhyyyy}年{zhm}月{zhd}日",  # 二〇二六年十一月三十日
    "yyyy Month d": "{yyyy} {Month} {d}",  # 2026 November 30: held out
}
HELD_OUT_FORMAT = "yyyy Month d"
TRAIN_FORMATS = [f for f in FORMATS if f != HELD_OUT_FORMAT]

# which output field ("year", "month", "day") each template field writes
_FIELD_OF = {"yyyy": "year", "zhyyyy": "year", "Month": "month", "Mon": "month",
             "MONTH": "month", "mm": "month", "m": "month", "zhm": "month",
             "d": "day", "dd": "day", "dth": "day", "zhd": "day"}


def _fields(d: _dt.date) -> dict:
    month = MONTHS[d.month - 1]
    return {"yyyy": str(d.year), "zhyyyy": _zh_year(d.year), "Month": month,
            "Mon": month[:3], "MONTH": month.upper(), "mm": f"{d.month:02d}",
            "m": str(d.month), "zhm": zh_numeral(d.month), "d": str(d.day),
            "dd": f"{d.day:02d}", "dth": _ordinal(d.day), "zhd": zh_numeral(d.day),
            "Weekday": WEEKDAYS[d.weekday()], "Wkd": WEEKDAYS[d.weekday()][:3],
            "zhw": ZH_WEEKDAYS[d.weekday()]}


def render_spans(date: _dt.date, fmt: str):
    """The string, and where each of year/month/day sits in it: {field: (start, end)}."""
    values, out, spans = _fields(date), "", {}
    for k, piece in enumerate(FORMATS[fmt].replace("}", "{").split("{")):
        if k % 2 == 0:
            out += piece
        else:
            if piece in _FIELD_OF:
                spans[_FIELD_OF[piece]] = (len(out), len(out) + len(values[piece]))
            out += values[piece]
    return out, spans


def render(date: _dt.date, fmt: str) -> str:
    return render_spans(date, fmt)[0]


def iso(date: _dt.date) -> str:
    return date.isoformat()


OUT_CHARS = "0123456789-"  # the decoder's output alphabet; index 11 is the start token


class Vocab:
    """Characters <-> integer ids.  Id 0 is padding (input side) ."""

    def __init__(self, chars):
        self.chars = ["<pad>"] + sorted(set(chars))
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, s: str) -> list[int]:
        return [self.index[c] for c in s]


def _all_input_chars() -> str:
    chars = set()
    for d in (_dt.date(2000, m, 1) + _dt.timedelta(days=k) for m in range(1, 13)
              for k in range(31)):
        for f in FORMATS:
            chars.update(render(d, f))
    chars.update("0123456789" + ZH_DIGITS + ZH_WEEKDAYS)
    return "".join(sorted(chars))


@dataclass
class DateData:
    vocab: Vocab
    train: list  # (input string, target string, format name)
    test: list  # held-out dates, training formats
    test_format: list  # held-out dates, held-out format


def make_data(seed: int = 0, n_train: int = 6000, n_test: int = 1500,
              held_out_fraction: float = 0.2) -> DateData:
    """Training and test pairs; days and formats drawn with ``numpy`` from ``seed``."""
    rng = np.random.default_rng(seed)
    n_days = (LAST - FIRST).days + 1
    days = rng.permutation(n_days)
    n_held = int(held_out_fraction * n_days)
    held, train_days = days[:n_held], days[n_held:]

    def pairs(day_ids, fmts, n):
        out = []
        for _ in range(n):
            d = FIRST + _dt.timedelta(days=int(rng.choice(day_ids)))
            f = fmts[int(rng.integers(len(fmts)))] if len(fmts) > 1 else fmts[0]
            out.append((render(d, f), iso(d), f))
        return out

    train = pairs(train_days, TRAIN_FORMATS, n_train)
    test = pairs(held, TRAIN_FORMATS, n_test)
    test_format = pairs(held, [HELD_OUT_FORMAT], n_test // 3)
    return DateData(Vocab(_all_input_chars()), train, test, test_format)


def _torch():
    import torch  # lazily: the data helpers work without torch

    return torch


def encode_batch(vocab: Vocab, pairs):
    """Inputs padded with 0 on the right: ``(src (N, T), lengths (N,), tgt (N, 10))``."""
    torch = _torch()
    src = [vocab.encode(p[0]) for p in pairs]
    T = max(len(s) for s in src)
    x = torch.zeros(len(src), T, dtype=torch.long)
    for i, s in enumerate(src):
        x[i, : len(s)] = torch.tensor(s)
    lengths = torch.tensor([len(s) for s in src])
    y = torch.tensor([[OUT_CHARS.index(c) for c in p[1]] for p in pairs])
    return x, lengths, y


def Seq2Seq(n_in: int, hidden: int = 64, emb: int = 32, attention: bool = True):
    """GRU encoder -> GRU-cell decoder that reads a context vector c_t at every step
    (its input is [embedding of y_{t-1}, c_t], its read-out [s_t, c_t]).

    Without attention c_t = h_T, the encoder's final state, at every step (Cho et al.
    2014); it also initialises the decoder.  With ``attention`` c_t is the weighted mean
    of the encoder states, with the additive score of Bahdanau et al. 2015:
    ``e_tj = v . tanh(W_s s_{t-1} + W_h h_j)``."""
    torch = _torch()
    nn = torch.nn
    n_out = len(OUT_CHARS)
    BOS = n_out

    class _Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = attention
            self.hidden = hidden
            self.src_emb = nn.Embedding(n_in, emb, padding_idx=0)
            self.encoder = nn.GRU(emb, hidden, batch_first=True)
            self.tgt_emb = nn.Embedding(n_out + 1, emb)
            self.decoder = nn.GRUCell(emb + hidden, hidden)
            self.out = nn.Linear(2 * hidden, n_out)
            if attention:
                self.W_s = nn.Linear(hidden, hidden, bias=False)
                self.W_h = nn.Linear(hidden, hidden, bias=False)
                self.v = nn.Linear(hidden, 1, bias=False)
            self.use_mask = True  # switch off to see what masking buys

        def encode(self, src, lengths):
            """Encoder states (N, T, H), final states h_T (N, H) read at each input's
            own last character, and the mask (N, T), True at real characters.  The GRU
            also runs over the padding, so the states there are not zero: only the
            mask keeps them out of the attention."""
            H_enc, _ = self.encoder(self.src_emb(src))
            h_T = H_enc[torch.arange(src.shape[0]), lengths - 1]
            mask = torch.arange(src.shape[1])[None, :] < lengths[:, None]
            return H_enc, h_T, mask

        def attend(self, s_prev, H_enc, keys, mask):
            """One attention step: scores (N, T) -> weights alpha (N, T) -> context (N, H)."""
            e = self.v(torch.tanh(keys + self.W_s(s_prev)[:, None, :])).squeeze(-1)
            if self.use_mask:
                e = e.masked_fill(~mask, float("-inf"))
            alpha = torch.softmax(e, dim=1)
            context = torch.bmm(alpha[:, None, :], H_enc).squeeze(1)
            return alpha, context

        def start(self, src, lengths):
            H_enc, s, mask = self.encode(src, lengths)
            # without attention, the fixed context is the encoder's final state h_T
            keys = self.W_h(H_enc) if self.attention else s
            return (H_enc, keys, mask), s

        def step(self, y_prev, s_prev, memory):
            """One decoder step: logits (N, 11), new state (N, H), attention (N, T) or None."""
            H_enc, keys, mask = memory
            x = self.tgt_emb(y_prev)
            alpha, context = None, keys  # no attention: the same h_T at every step
            if self.attention:
                alpha, context = self.attend(s_prev, H_enc, keys, mask)
            s = self.decoder(torch.cat([x, context], dim=1), s_prev)
            logits = self.out(torch.cat([s, context], dim=1))
            return logits, s, alpha

        def forward(self, src, lengths, y_in):
            """Teacher forcing: feed ``y_in`` (N, L) (start token then the targets)."""
            memory, s = self.start(src, lengths)
            logits = []
            for t in range(y_in.shape[1]):
                o, s, _ = self.step(y_in[:, t], s, memory)
                logits.append(o)
            return torch.stack(logits, dim=1)

    model = _Seq2Seq()
    model.BOS = BOS
    return model


def _shift_right(y, BOS):
    torch = _torch()
    return torch.cat([torch.full((y.shape[0], 1), BOS, dtype=torch.long), y[:, :-1]], dim=1)


@dataclass
class TrainResult:
    model: object
    data: DateData
    attention: bool
    seed: int
    losses: list[float] = field(default_factory=list)  # mean teacher-forced loss per epoch
    seconds: float = 0.0


def train_seq2seq(data: DateData, attention: bool, seed: int = 0, hidden: int = 64,
                  epochs: int = 8, batch: int = 128, lr: float = 5e-3) -> TrainResult:
    """Teacher-forced cross-entropy, Adam, gradient clipping at norm 1."""
    torch = _torch()
    torch.manual_seed(seed)
    model = Seq2Seq(len(data.vocab), hidden=hidden, attention=attention)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed + 1000)
    res = TrainResult(model, data, attention, seed)
    lengths_all = np.array([len(p[0]) for p in data.train])
    t0 = time.process_time()
    for _ in range(epochs):
        # batches of similar lengths (less padding to run over), in random order
        order = rng.permutation(len(data.train))
        order = order[np.argsort(lengths_all[order], kind="stable")]
        batches = [order[k:k + batch] for k in range(0, len(order), batch)]
        total = 0.0
        for b in rng.permutation(len(batches)):
            idx = batches[b]
            src, lengths, y = encode_batch(data.vocab, [data.train[i] for i in idx])
            logits = model(src, lengths, _shift_right(y, model.BOS))
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                     y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(y)
        res.losses.append(total / len(order))
    res.seconds = time.process_time() - t0
    model.eval()
    return res


def greedy_decode(model, src, lengths, L: int = 10, return_attention: bool = False):
    """Free running: feed back the argmax.  Returns tokens (N, L), log P(sequence) (N,)
    and, if asked, attention weights (N, L, T)."""
    torch = _torch()
    with torch.no_grad():
        memory, s = model.start(src, lengths)
        y = torch.full((src.shape[0],), model.BOS, dtype=torch.long)
        toks, logp, alphas = [], torch.zeros(src.shape[0], dtype=torch.float64), []
        for _ in range(L):
            o, s, a = model.step(y, s, memory)
            lp = torch.log_softmax(o.double(), dim=1)
            y = lp.argmax(dim=1)
            logp += lp.gather(1, y[:, None]).squeeze(1)
            toks.append(y)
            alphas.append(a)
    out = (torch.stack(toks, 1), logp)
    if return_attention:
        out += (torch.stack(alphas, 1),)
    return out


def beam_decode(model, src, lengths, k: int = 5, L: int = 10):
    """Beam search over fixed-length outputs: keep the k prefixes with the largest summed
    log-probability.  Returns the best tokens (N, L) and their log P (N,)."""
    torch = _torch()
    N = src.shape[0]
    with torch.no_grad():
        (H_enc, keys, mask), s = model.start(src, lengths)
        rep = lambda z: None if z is None else z.repeat_interleave(k, dim=0)  # noqa: E731
        memory = (rep(H_enc), rep(keys), rep(mask))
        s = rep(s)
        y = torch.full((N * k,), model.BOS, dtype=torch.long)
        score = torch.full((N, k), float("-inf"), dtype=torch.float64)
        score[:, 0] = 0.0  # one live beam at the start
        seqs = torch.zeros(N, k, 0, dtype=torch.long)
        for _ in range(L):
            o, s, _ = model.step(y, s, memory)
            lp = torch.log_softmax(o.double(), dim=1)  # (N k, V)
            V = lp.shape[1]
            cand = (score[:, :, None] + lp.view(N, k, V)).view(N, k * V)
            score, idx = cand.topk(k, dim=1)  # sorted, best first
            parent, tok = idx // V, idx % V
            seqs = torch.cat([seqs.gather(1, parent[:, :, None].expand(-1, -1, seqs.shape[2])),
                              tok[:, :, None]], dim=2)
            rows = (torch.arange(N)[:, None] * k + parent).reshape(-1)
            s, y = s[rows], tok.reshape(-1)
    return seqs[:, 0], score[:, 0]


def teacher_forced(model, src, lengths, y):
    """Loss (mean nats per character) and the argmax at each step when the true
    prefix is fed: tokens (N, L)."""
    torch = _torch()
    with torch.no_grad():
        logits = model(src, lengths, _shift_right(y, model.BOS))
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                                 y.reshape(-1))
    return float(loss), logits.argmax(dim=2)


def exact_match(tokens, y) -> np.ndarray:
    """Per example: 1.0 if all 10 characters are right."""
    return (tokens == y).all(dim=1).double().numpy()


def decode_str(tokens) -> list[str]:
    return ["".join(OUT_CHARS[int(i)] for i in row) for row in tokens]


def evaluate(model, vocab, pairs, decode="greedy", k: int = 5, batch: int = 500):
    """Exact match (N,) and sequence log-probability (N,) on ``pairs``, in batches
    that mix lengths (so padding is present)."""
    hits, logps, preds = [], [], []
    for i in range(0, len(pairs), batch):
        src, lengths, y = encode_batch(vocab, pairs[i:i + batch])
        if decode == "greedy":
            toks, lp = greedy_decode(model, src, lengths)
        else:
            toks, lp = beam_decode(model, src, lengths, k=k)
        hits.append(exact_match(toks, y))
        logps.append(lp.numpy())
        preds += decode_str(toks)
    return np.concatenate(hits), np.concatenate(logps), preds


FIELD_SLICES = {"year": slice(0, 4), "month": slice(5, 7), "day": slice(8, 10)}


def carried(pair) -> dict:
    """For each field, how many input characters come after it: how long the encoder
    must carry it before the decoder starts."""
    text, target, fmt = pair
    s, spans = render_spans(_dt.date.fromisoformat(target), fmt)
    assert s == text
    return {f: len(text) - spans[f][1] for f in FIELD_SLICES}


def field_hits(preds, pairs):
    """Per example and field: (correct (N, 3) bool, characters carried (N, 3) int),
    fields in the order year, month, day."""
    ok = np.array([[p[sl] == q[1][sl] for sl in FIELD_SLICES.values()]
                   for p, q in zip(preds, pairs, strict=True)])
    dist = np.array([[carried(q)[f] for f in FIELD_SLICES] for q in pairs])
    return ok, dist


def free_vs_forced(model, vocab, pairs):
    """Exposure bias, measured: per-character accuracy when the true prefix is fed
    (teacher forcing) and when the model's own outputs are fed back (free running),
    and the teacher-forced loss.  Returns a dict of floats."""
    src, lengths, y = encode_batch(vocab, pairs)
    loss, tf_tok = teacher_forced(model, src, lengths, y)
    fr_tok, _ = greedy_decode(model, src, lengths)
    tf_ok, fr_ok = (tf_tok == y).numpy(), (fr_tok == y).numpy()
    # characters after the first mistake of free running, and the same positions forced
    first_err = np.where(~fr_ok.all(1), np.argmin(fr_ok, axis=1), y.shape[1])
    after = np.arange(y.shape[1])[None, :] > first_err[:, None]
    return {"loss": loss, "tf_char": tf_ok.mean(), "fr_char": fr_ok.mean(),
            "tf_exact": tf_ok.all(1).mean(), "fr_exact": fr_ok.all(1).mean(),
            "fr_after_error": fr_ok[after].mean(), "tf_after_error": tf_ok[after].mean(),
            "n_after": int(after.sum())}


def attention_on_fields(model, vocab, pairs):
    """Mean attention mass that the output steps of each field (rows: year, month, day)
    put on the input characters of each field (columns: year, month, day), and the
    fraction of steps whose most-attended character lies inside the field's own span."""
    src, lengths, y = encode_batch(vocab, pairs)
    _, _, alpha = greedy_decode(model, src, lengths, return_attention=True)
    alpha = alpha.numpy()  # (N, 10, T)
    names = list(FIELD_SLICES)
    mass = np.zeros((3, 3))
    inside = np.zeros(3)
    for n, p in enumerate(pairs):
        _, spans = render_spans(_dt.date.fromisoformat(p[1]), p[2])
        for i, f_out in enumerate(names):
            steps = alpha[n, FIELD_SLICES[f_out]]  # (steps of this field, T)
            for j, f_in in enumerate(names):
                a, b = spans[f_in]
                mass[i, j] += steps[:, a:b].sum(1).mean()
            a, b = spans[f_out]
            inside[i] += np.mean((steps.argmax(1) >= a) & (steps.argmax(1) < b))
    return mass / len(pairs), inside / len(pairs)


def step_probabilities(model, vocab, text: str, out: str) -> np.ndarray:
    """P(out[t] | out[:t], text) for each of the 10 output characters (the model
    fed its own prefix ``out``): the factors whose product is P(out | text)."""
    torch = _torch()
    src, lengths, _ = encode_batch(vocab, [(text, "0000-00-00", "")])
    toks = torch.tensor([[OUT_CHARS.index(c) for c in out]])
    with torch.no_grad():
        logits = model(src, lengths, _shift_right(toks, model.BOS))
    p = torch.softmax(logits.double(), dim=2)[0]
    return p.gather(1, toks[0][:, None])[:, 0].numpy()


_ASCII = dict(zip(ZH_DIGITS, "0123456789", strict=True)) | {"十": "X", "年": "Y", "月": "M",
                                                           "日": "D", "星": "*", "期": "*"}


def ascii_label(ch: str) -> str:
    """A plot label for an input character (the book's fonts have no Chinese glyphs):
    〇..九 -> 0..9, 十 -> X, 年 -> Y, 月 -> M, 日 -> D."""
    return _ASCII.get(ch, ch)
