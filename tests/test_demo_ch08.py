"""Chapter 8's claims, re-run on 3 seeds with the code the notebook runs (rnnbook.charlm, rnnbook.reber).

The page runs seed 0; these tests run three other seeds.
"""

import numpy as np
import pytest

from rnnbook import charlm, reber

PAGE_SEED = 0
SEEDS = [1, 2, 3]

# The bounds the chapter asserts.
MAX_EXCESS_LOSS = 0.01  # LSTM's held-out loss minus the ideal loss on the same text, nats per character
MIN_VALID_FRACTION = 0.95  # LSTM's sampled strings that are valid, at temperature 1
SAMPLE_CHARS = 3000


def test_page_seed_is_not_among_the_test_seeds():
    assert PAGE_SEED not in SEEDS


@pytest.fixture(scope="module", params=SEEDS)
def run(request):
    seed = request.param
    train, valid = charlm.reber_corpora(seed)
    results = {kind: charlm.train_charlm(kind, train, valid, seed=seed, **charlm.DEMO) for kind in ("rnn", "lstm")}
    return seed, valid, results


def test_grammar_facts():
    assert reber.expected_inner_length() == pytest.approx(6.0, abs=1e-12)
    assert reber.entropy_rate() == pytest.approx(7 / 12 * np.log(2), abs=1e-12)
    assert reber.memoryless_entropy_rate() == pytest.approx(8 / 12 * np.log(2), abs=1e-12)
    text = reber.make_corpus(2000, np.random.default_rng(3))
    assert all(reber.is_embedded_reber(s) for s in reber.split_strings(text + "B"))
    probs = reber.optimal_next_probs(text)
    codes = reber.encode(text)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert np.all(probs[np.arange(len(codes) - 1), codes[1:]] > 0)  # the oracle never rules out what happens
    forgetful = reber.memoryless_next_probs(text)
    assert np.allclose(forgetful.sum(axis=1), 1.0)
    assert charlm.mean_loss(forgetful, codes) > charlm.mean_loss(probs, codes)


def test_long_lag_grammar_facts():
    filler = charlm.LONG_LAG["filler"]
    text = reber.make_long_lag_corpus(500, np.random.default_rng(4), filler)
    pieces = reber.split_strings(text + "B")
    assert len(pieces) == 500 and all(reber.is_long_lag(s) for s in pieces)
    assert not reber.is_long_lag("BTXXBTXSEPE") and not reber.is_long_lag("BTSSBTXSXTE")
    _, lags = reber.long_range_targets(text, filler=filler)
    assert len(lags) == 500 and lags.min() >= 6 and lags.max() > filler
    assert 0.3 < np.mean(lags >= charlm.LONG_LAG["min_lag"]) < 0.7


def test_random_offsets_cut_the_text_in_new_places():
    train, _ = charlm.reber_corpora(0)
    shares = [charlm.share_in_one_chunk(train, 25, 32, offset) for offset in range(25)]
    assert 0.6 < min(shares) and max(shares) < 0.75


@pytest.mark.slow
def test_lstm_approaches_the_ideal_loss(run):
    seed, valid, results = run
    codes = reber.encode(valid)
    ideal = charlm.mean_loss(reber.optimal_next_probs(valid), codes)
    forgetful = charlm.mean_loss(reber.memoryless_next_probs(valid), codes)
    lstm = results["lstm"].final_valid_loss
    assert lstm - ideal < MAX_EXCESS_LOSS, f"seed {seed}: LSTM loss {lstm:.4f}, ideal {ideal:.4f}"
    assert lstm < forgetful, f"seed {seed}: LSTM has not learned the long-range symbol"


@pytest.mark.slow
def test_lstm_samples_are_valid(run):
    seed, _, results = run
    frac, n = reber.fraction_valid(charlm.sample(results["lstm"].model, SAMPLE_CHARS, tau=1.0, seed=seed))
    assert n > 100 and frac >= MIN_VALID_FRACTION, f"seed {seed}: {frac:.3f} of {n} sampled strings valid"
    hot, _ = reber.fraction_valid(charlm.sample(results["lstm"].model, SAMPLE_CHARS, tau=2.0, seed=seed))
    assert hot < frac, f"seed {seed}: temperature 2 should give fewer valid strings ({hot:.3f} vs {frac:.3f})"


@pytest.mark.slow
def test_both_models_learn_the_short_lag_rule_the_lstm_first(run):
    # On the embedded grammar (lags up to about 25) both models end above 0.9 on the long-range symbol,
    # and the LSTM reaches 0.9 no later than the tanh RNN.
    seed, _, results = run
    for kind, r in results.items():
        assert r.valid_long_range[-1] > 0.9, f"seed {seed}: {kind} ends at {r.valid_long_range[-1]:.4f}"
    reach = {kind: charlm.steps_to_reach(r, 0.9) for kind, r in results.items()}
    assert reach["lstm"] <= reach["rnn"], f"seed {seed}: {reach}"


# The page measures only how many strings fixed chunk starts connect (charlm.in_one_chunk); whether
# that matters for training is checked here.  Measured with fixed chunk starts (update at which
# P(long-range) first reached 0.9 / final P): seed 1 RNN 450/0.9941, LSTM 250/0.9983; seed 2 RNN
# 400/0.9940, LSTM 200/0.9980; seed 3 RNN 550/0.9943, LSTM 250/0.9978.  About 10 s CPU per seed.
MIN_FIXED_CHUNK_FINAL = 0.99  # both models' final held-out P(correct outer symbol), fixed chunks


@pytest.fixture(scope="module", params=SEEDS)
def fixed_chunk_run(request):
    seed = request.param
    train, valid = charlm.reber_corpora(seed)
    results = {
        kind: charlm.train_charlm(kind, train, valid, seed=seed, random_offset=False, **charlm.DEMO)
        for kind in ("rnn", "lstm")
    }
    return seed, results


@pytest.mark.slow
def test_fixed_chunk_starts_still_teach_the_rule_the_lstm_first(fixed_chunk_run):
    # The page: with fixed chunk starts, too, both models reach 0.9 on the long-range symbol, the
    # LSTM first, and both end above 0.99.
    seed, results = fixed_chunk_run
    reach = {kind: charlm.steps_to_reach(r, 0.9) for kind, r in results.items()}
    assert None not in reach.values() and reach["lstm"] < reach["rnn"], f"seed {seed}: {reach}"
    for kind, r in results.items():
        final = r.valid_long_range[-1]
        assert final > MIN_FIXED_CHUNK_FINAL, f"seed {seed}: {kind} ends at {final:.4f} with fixed chunks"


# ----------------------------------------------------------------------------------------- long lag
# The chapter's model-separating result: on the long-lag variant, scored on lags of at least 40,
# the tanh RNN stays at chance and the LSTM learns the rule, with one cell unit that stores the
# outer symbol the way Chapter 6's hand-wired cell does.
MIN_LSTM_LONG_LAG = 0.9  # LSTM's final held-out P(correct outer symbol) on lags >= min_lag, at least
MAX_RNN_FROM_CHANCE = 0.05  # tanh RNN's |P - 0.5|, at every evaluation and in every lag range


def test_curriculum_starts_with_short_lags_only():
    train, valid = charlm.long_lag_corpora(0)
    assert len(train) == len(charlm.LONG_LAG_CURRICULUM)
    _, first = reber.long_range_targets(train[0], filler=charlm.LONG_LAG_CURRICULUM[0])
    assert first.max() < charlm.LONG_LAG["min_lag"]  # the page: phase 1 has no lag of 40 or more
    _, lags = reber.long_range_targets(valid, filler=charlm.LONG_LAG["filler"])
    assert np.sum(lags >= charlm.LONG_LAG["min_lag"]) > 200


@pytest.fixture(scope="module", params=SEEDS)
def long_lag_run(request):
    seed = request.param
    train, valid = charlm.long_lag_corpora(seed)
    results = {
        kind: charlm.train_charlm(kind, train, valid, seed=seed, **charlm.LONG_LAG) for kind in ("rnn", "lstm")
    }
    return seed, valid, results


@pytest.mark.slow
def test_long_lag_separates_the_models(long_lag_run):
    seed, valid, results = long_lag_run
    lstm, rnn = results["lstm"], results["rnn"]
    assert lstm.valid_long_range[-1] >= MIN_LSTM_LONG_LAG, f"seed {seed}: LSTM {lstm.valid_long_range}"
    assert all(abs(p - 0.5) < MAX_RNN_FROM_CHANCE for p in rnn.valid_long_range), f"seed {seed}: {rnn.valid_long_range}"
    filler = charlm.LONG_LAG["filler"]
    for *_, p in charlm.long_range_by_lag(rnn.model, valid, filler):
        assert abs(p - 0.5) < MAX_RNN_FROM_CHANCE, f"seed {seed}: tanh RNN {p:.3f} in some lag range"
    for *_, p in charlm.long_range_by_lag(lstm.model, valid, filler):
        assert p >= MIN_LSTM_LONG_LAG, f"seed {seed}: LSTM {p:.3f} in some lag range"


@pytest.mark.slow
def test_long_lag_lstm_stores_the_symbol_in_one_gated_unit(long_lag_run):
    seed, valid, results = long_lag_run
    mem = charlm.memory_unit(results["lstm"].model, valid, charlm.LONG_LAG["filler"])
    assert mem["accuracy"] > 0.95, f"seed {seed}: {mem}"
    assert mem["input_at_outer"] > 0.8 and mem["input_between"] < 0.2, f"seed {seed}: {mem}"
    assert mem["forget_between"] > 0.95, f"seed {seed}: {mem}"
    assert mem["output_at_inner_E"] > mem["output_between"], f"seed {seed}: {mem}"
