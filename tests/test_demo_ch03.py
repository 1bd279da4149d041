"""Chapter 3's claim, re-checked on 3 seeds: on echo-and-recall, an Elman network recalls the bit and a Jordan
network (which feeds back only its output) stays at chance, while both echo well."""

import pytest

from rnnbook.structures import ECHO_RECALL_SETTINGS, train_echo_recall


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_elman_recalls_jordan_cannot(seed):
    elman = train_echo_recall("elman", seed, **ECHO_RECALL_SETTINGS)
    jordan = train_echo_recall("jordan", seed, **ECHO_RECALL_SETTINGS)
    assert elman.recall_acc >= 0.95, elman
    assert jordan.recall_acc <= 0.6, jordan
    assert elman.echo_mse < 0.01 and jordan.echo_mse < 0.01, (elman, jordan)
