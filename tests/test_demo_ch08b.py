"""Chapter 8b's claims, re-run on 3 seeds with the code the notebook runs (rnnbook.textlm).

The page runs seed 0; these tests run three other seeds. The claims:

- the LSTM's held-out bits per character beat the add-one bigram and the Kneser-Ney 6-gram,
  while the 9-gram (the order chosen on validation) still beats the LSTM at this budget;
- a linear probe on the trained cell states beats the same probe on an untrained LSTM (the control)
  and the majority baseline, for "inside a string", "inside brackets" and the indentation level.

The page's long run is a stored checkpoint (``make checkpoint``, rnnbook/checkpoints/textlm-h384.pt):

- every run: the stored weights give the recorded bits per character: clearly better than the
  9-gram on validation, and level with it or better on test;
- ``slow``: a re-run of its first updates retraces the recorded learning curve;
- ``checkpoint`` (``make check-checkpoint``, about 9 min per run): the whole run re-made from its
  seed lands within tolerance of the record, and runs from seeds 1, 2, 3 make the same claim true.
  Measured (valid / test bpc; the 9-gram: 2.219 / 1.856): seed 0 2.147 / 1.836, seed 1 2.160 / 1.840,
  seed 2 2.167 / 1.856 (behind the 9-gram by 0.0003 on test), seed 3 2.141 / 1.840; and, outside
  the suite, seed 4 2.185 / 1.843.
"""

import numpy as np
import pytest
import torch

from rnnbook import textlm

PAGE_SEED = 0
SEEDS = [1, 2, 3]
MARGIN = 0.02  # accuracy points by which the trained probe must beat the control and the majority
RETRACE_STEPS = 150  # updates of the long run re-run by the slow test
RETRACE_TOL = 0.01  # bits per character: the same code and seed (the thread count may differ)
REMAKE_TOL = 0.03  # bits per character: the whole long run re-made (another machine may round differently)
# The long run's claim: ahead of the 9-gram on validation by at least LONG_VALID_LEAD, and on test
# level with it (no more than LONG_TEST_LEVEL behind) or better.
LONG_VALID_LEAD = 0.03
LONG_TEST_LEVEL = 0.01


def test_page_seed_is_not_among_the_test_seeds():
    assert PAGE_SEED not in SEEDS


@pytest.fixture(scope="module")
def data():
    corpus = textlm.stdlib_corpus()
    train, valid, test = (textlm.encode(s) for s in (corpus.train, corpus.valid, corpus.test))
    kn, order, valid_table = textlm.choose_ngram(train, valid, max_order=9, discount=0.9)
    return train, valid, test, order, kn.bits_by_order(test), valid_table


def test_corpus_and_labels():
    corpus = textlm.stdlib_corpus()
    if corpus.python.startswith("3.11."):
        assert len(corpus.test) > 40_000
    lab = textlm.char_labels('x = f(1, "a#b")  # c\n')
    assert lab["string"].tolist()[9:14] == [1] * 5 and lab["comment"][11] == 0
    assert lab["comment"][-4:-1].tolist() == [1, 1, 1] and lab["depth"][7] == 1


def test_shared_fraction_finds_copies_and_only_copies():
    rng = np.random.default_rng(0)
    a = textlm.decode(rng.integers(0, textlm.V, 3000))
    b = textlm.decode(rng.integers(0, textlm.V, 3000))
    assert textlm.shared_fraction([a, b, a[:1000] + b[:1000]], a) == pytest.approx(
        [1.0, 0.0, (1000 - 29) / (2000 - 29)], abs=1e-12)
    assert textlm.shared_fraction(["short"], a) == [0.0]


def test_bits_per_char_reads_one_stream_or_many():
    torch.manual_seed(0)
    model = textlm.TextLSTM(16).eval()
    codes = textlm.encode("def f(x):\n    return x + 1\n" * 5)
    one = textlm.bits_per_char(model, codes, n_streams=1)
    many = textlm.bits_per_char(model, codes, n_streams=7)
    assert one.shape == many.shape == (len(codes) - 1,)
    assert textlm.model_bits(model, codes, n_streams=1) == pytest.approx(one.mean(), abs=1e-12)
    with torch.no_grad():  # one stream: character t + 1 is scored with all of codes[: t + 1]
        logits, _ = model(torch.as_tensor(codes[:-1]).unsqueeze(1))
        logp = torch.log_softmax(logits.double(), -1)[:, 0].numpy()
    np.testing.assert_allclose(one, -logp[np.arange(len(codes) - 1), codes[1:]] / np.log(2), atol=1e-9)
    np.testing.assert_allclose(many[0], one[0], atol=1e-12)  # both start from a zero state


def test_held_out_files_are_not_copies_of_training_files():
    corpus = textlm.stdlib_corpus()
    if not corpus.identical:
        pytest.skip("another Python's standard library")
    stdlib = textlm.Path(corpus.stdlib)
    names = textlm.VALID_FILES + textlm.TEST_FILES
    shared = textlm.shared_fraction([(stdlib / n).read_text() for n in names], corpus.train)
    assert max(shared) < 0.15, dict(zip(names, shared, strict=True))
    wave = (stdlib / "wave.py").read_text()
    assert textlm.shared_fraction([wave], corpus.train)[0] > 0.4  # why wave.py is left out


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_against_ngrams_and_probe_against_control(data, seed):
    train, valid, test, order, test_table, _ = data
    assert order == 9
    result = textlm.train_textlm(train, valid, seed=seed, **textlm.DEMO)
    lstm = result.model.eval()
    bits = textlm.model_bits(lstm, test, n_streams=1)  # as the page scores it
    bigram = textlm.addone_bits(train, test, order=2)
    print(f"seed {seed}: LSTM {bits:.3f} bpc, 6-gram {test_table[5]:.3f}, 9-gram {test_table[8]:.3f}, "
          f"bigram {bigram:.3f}; {result.cpu_seconds:.1f} s CPU")
    assert bits < test_table[5] < bigram
    assert test_table[8] < bits
    torch.manual_seed(1000 + seed)
    report = textlm.probe_report(lstm, textlm.TextLSTM(128).eval())
    for name, row in report.items():
        print(f"  {name:<9} majority {row['majority']:.3f} control {row['control']:.3f} "
              f"probe {row['probe']:.3f}" + (f" unit {row['unit_acc']:.3f}" if "unit" in row else ""))
    for name in ("string", "brackets", "indent"):
        assert report[name]["probe"] > report[name]["control"] + MARGIN, name
        assert report[name]["probe"] > report[name]["majority"] + MARGIN, name
    assert np.isfinite(bits)


# ----------------------------------------------------------------------------------- the long run
@pytest.fixture(scope="module")
def checkpoint():
    return textlm.load_checkpoint()


def test_checkpoint_record_matches_its_weights_and_the_claim(data, checkpoint):
    _, valid, test, order, test_table, valid_table = data
    model, meta = checkpoint
    assert meta["settings"] == textlm.CHECKPOINT and meta["seed"] == PAGE_SEED
    assert meta["corpus_identical"] and meta["steps"][-1] == textlm.CHECKPOINT["steps"]
    valid_bpc = textlm.model_bits(model, valid, n_streams=1)
    test_bpc = textlm.model_bits(model, test, n_streams=1)
    assert valid_bpc == pytest.approx(meta["valid_bpc"], abs=1e-6)
    assert test_bpc == pytest.approx(meta["test_bpc"], abs=1e-6)
    kn_valid = valid_table[order - 1]
    print(f"long run: valid {valid_bpc:.3f} (9-gram {kn_valid:.3f}), test {test_bpc:.3f} "
          f"(9-gram {test_table[order - 1]:.3f})")
    assert valid_bpc < kn_valid - LONG_VALID_LEAD and test_bpc < test_table[order - 1] + LONG_TEST_LEVEL


@pytest.mark.slow
def test_checkpoint_first_updates_retrace_the_recorded_curve(data, checkpoint):
    train, valid, *_ = data
    _, meta = checkpoint
    res = textlm.train_textlm(train, valid, seed=meta["seed"], stop_after=RETRACE_STEPS,
                              **textlm.CHECKPOINT)
    n = len(res.steps)
    assert n >= 1 and res.steps == meta["steps"][:n]
    np.testing.assert_allclose(res.train_bits, meta["train_bits"][:n], atol=RETRACE_TOL)
    np.testing.assert_allclose(res.valid_bits, meta["valid_bits"][:n], atol=RETRACE_TOL)


@pytest.mark.checkpoint
@pytest.mark.parametrize("seed", [PAGE_SEED, *SEEDS])
def test_long_run_remade(data, checkpoint, seed):
    *_, order, test_table, valid_table = data
    _, meta = checkpoint
    kn_valid = valid_table[order - 1]
    remade = textlm.make_checkpoint(seed=seed, save=False)["meta"]
    print(f"seed {seed}: long run valid {remade['valid_bpc']:.3f} (9-gram {kn_valid:.3f}), "
          f"test {remade['test_bpc']:.3f} (9-gram {test_table[order - 1]:.3f}); "
          f"{remade['cpu_seconds']:.0f} s CPU")
    if seed == meta["seed"]:
        assert remade["valid_bpc"] == pytest.approx(meta["valid_bpc"], abs=REMAKE_TOL)
        assert remade["test_bpc"] == pytest.approx(meta["test_bpc"], abs=REMAKE_TOL)
    assert remade["valid_bpc"] < kn_valid - LONG_VALID_LEAD, f"seed {seed}: validation"
    assert remade["test_bpc"] < test_table[order - 1] + LONG_TEST_LEVEL, f"seed {seed}: test"
