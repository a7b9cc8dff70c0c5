"""The LP file of the example against its golden copy, and names that read as the user's words."""

from __future__ import annotations

import pytest

from tests.golden import GOLDEN, tokens, write_example_lp


def test_the_example_lp_equals_its_golden_file(tmp_path):
    written = tokens(write_example_lp(tmp_path / "example.lp").read_text())
    golden = tokens(GOLDEN.read_text())
    assert len(written) == len(golden)
    for new, old in zip(written, golden, strict=True):
        if isinstance(old, float):
            assert new == pytest.approx(old, rel=1e-9, abs=1e-12)
        else:
            assert new == old


def test_the_lp_file_reads_in_the_channels_names():
    text = GOLDEN.read_text()
    for name in ("spend_Sok_paid_search", "spend_Paverkere_influencers", "curve_E_mail_NO", "budget:",
                 "Connected_TV_step1"):
        assert name in text
