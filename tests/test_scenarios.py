"""Scenario files: inheritance and precedence, adjustments, groups, errors, and compare."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer import InputError, optimize
from optimizer.whatif.batch import compare, run_scenarios
from optimizer.whatif.scenario import load_scenario

TABLE = (
    "channel,spend,customers,ltv,curve,elasticity,max_customers\n"
    "Search,400,40,100,power,0.5,\n"
    "Social,300,20,120,saturating,,50\n"
    "TV,300,10,200,power,0.7,\n"
    "Email,100,20,80,power,0.4,\n"
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "channels.csv").write_text(TABLE, encoding="utf-8")
    (tmp_path / "base.toml").write_text('channels = "channels.csv"\nmax_change = 0.5\nobjective = "value"\n')
    return tmp_path


def scenario(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_child_overrides_base_and_command_line_overrides_both(folder):
    path = scenario(folder, "cut.toml", 'extends = "base.toml"\nbudget = "-20%"\nmax_change = 0.3\n')
    s = load_scenario(path, {"max_change": 0.4, "objective": "ratio"})
    assert s.settings.budget == pytest.approx(880)
    assert s.settings.max_change == 0.4 and s.settings.objective == "ratio"
    assert s.changes == (
        "objective: ratio -> value (base.toml)", "max_change: none -> 0.5 (base.toml)",
        "budget: 1 100 -> 880 (cut.toml)", "max_change: 0.5 -> 0.3 (cut.toml)",
        "max_change: 0.3 -> 0.4 (command line)", "objective: value -> ratio (command line)")


def test_channel_path_is_relative_to_the_file_that_names_it(folder):
    sub = folder / "what-ifs"
    sub.mkdir()
    path = scenario(sub, "x.toml", 'extends = "../base.toml"\n')
    assert len(load_scenario(path).channels) == 4


ADJUSTMENTS = {
    "cac up 25%": ('channel = "TV"\ncac = "+25%"', "TV", "customers", 10 / 1.25),
    "ltv factor": ('channel = "TV"\nltv = "x1.5"', "TV", "ltv", 300),
    "ltv shift": ('channel = "TV"\nltv = "+50"', "TV", "ltv", 250),
    "customers absolute": ('channel = "Email"\ncustomers = 30', "Email", "customers", 30),
    "min and max": ('channel = "TV"\nmin_spend = 250\nmax_spend = "+10%"', "TV", "max_spend", 330),
    "lock": ('channels = ["TV", "Email"]\nlocked = true', "Email", "locked", True),
    "curve and elasticity": ('channel = "Search"\ncurve = "power"\nelasticity = 0.8', "Search", "elasticity", 0.8),
}


@pytest.mark.parametrize("text, channel, column, expected", ADJUSTMENTS.values(), ids=ADJUSTMENTS.keys())
def test_each_adjustment(folder, text, channel, column, expected):
    path = scenario(folder, "a.toml", f'extends = "base.toml"\n[[adjust]]\n{text}\n')
    s = load_scenario(path)
    row = s.channels.table.set_index("channel").loc[channel]
    assert row[column] == pytest.approx(expected)
    key = text.splitlines()[-1].split(" = ")[0]
    assert any(line.startswith(f"{channel}: {key}") for line in s.changes)


def test_cac_shock_scales_the_whole_curve(folder):
    path = scenario(folder, "a.toml", 'extends = "base.toml"\n[[adjust]]\nchannel = "Social"\ncac = "x2"\n')
    s = load_scenario(path)
    assert s.channels.table.set_index("channel").loc["Social", "max_customers"] == pytest.approx(25)
    i = s.channels.names.index("Social")
    assert s.channels.curves.customers([1, 600, 1, 1])[i] == pytest.approx(
        load_scenario(folder / "base.toml").channels.curves.customers([1, 600, 1, 1])[i] / 2)


def test_remove_and_add_channels_keep_todays_budget(folder):
    path = scenario(folder, "a.toml", 'extends = "base.toml"\n[[adjust]]\nchannel = "Email"\nremove = true\n'
                    '[[add]]\nchannel = "Podcast"\nltv = 150\ncurve = "power"\nelasticity = 0.5\n'
                    'ref_spend = 100\nref_customers = 5\nmax_spend = 200\n')
    s = load_scenario(path)
    assert "Email" not in s.channels.names and "Podcast" in s.channels.names
    assert s.settings.budget == pytest.approx(1100)  # Email's 100 is spent elsewhere
    assert s.run().after.spend == pytest.approx(1100)


def test_group_shares_and_amounts_hold(folder):
    path = scenario(folder, "g.toml", 'extends = "base.toml"\nmax_change = 0.9\n'
                    '[groups.digital]\nchannels = ["Search", "Social", "Email"]\nmin_share = 0.85\n'
                    '[groups.offline]\nchannels = ["TV"]\nmax_spend = 120\n')
    result = load_scenario(path).run()
    plan = result.plan.set_index("channel").recommended_spend
    assert plan[["Search", "Social", "Email"]].sum() >= 0.85 * plan.sum() * (1 - 1e-9)
    assert plan["TV"] <= 120 * (1 + 1e-9)
    # with TV capped, digital is above 85 % anyway: only the cap binds
    assert {r.text: r.binding for r in result.rules} == {
        "group 'digital' at least 85% of spend": False, "group 'offline' at most 120": True}


def test_ratio_between_channels_holds(folder):
    path = scenario(folder, "r.toml", 'extends = "base.toml"\nmax_change = 0.9\n'
                    '[[ratios]]\nleft = "Social"\nright = "Search"\nmax = 0.5\n')
    plan = load_scenario(path).run().plan.set_index("channel").recommended_spend
    assert plan["Social"] <= 0.5 * plan["Search"] * (1 + 1e-9)


def test_group_share_floor_matches_optimizing_with_the_rule_directly(folder):
    from optimizer import GroupRule

    path = scenario(folder, "g.toml", 'extends = "base.toml"\n[groups.paid]\nchannels = ["Search", "Social"]\n'
                    'max_share = 0.5\n')
    via_file = load_scenario(path).run()
    direct = optimize(folder / "channels.csv", objective="value", max_change=0.5,
                      rules=[GroupRule("paid", ("Search", "Social"), max_share=0.5)])
    assert via_file.after.value == pytest.approx(direct.after.value, rel=1e-9)


def test_every_problem_in_a_scenario_is_reported_with_keys_and_spelling_hints(folder):
    path = scenario(folder, "bad.toml", 'extends = "base.toml"\nbudjet = 5\nobjective = "roi"\n'
                    'max_change = "lots"\n[[adjust]]\nchannel = "Serch"\nltv = "+10%"\n'
                    '[groups.g]\nchannels = ["Socal"]\nmin_share = 40\n')
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "key 'budjet'" in text and "did you mean 'budget'" in text
    assert "key 'objective'" in text and "'roi' is not one of" in text
    assert "key 'max_change'" in text and "expected a number" in text
    assert "key 'groups.g.min_share'" in text and "40 must be a share from 0 to 1" in text


def test_unknown_channel_names_get_the_closest_spelling(folder):
    path = scenario(folder, "bad.toml", 'extends = "base.toml"\n[[adjust]]\nchannel = "Serch"\nltv = "+10%"\n'
                    '[groups.g]\nchannels = ["Socal"]\nmin_share = 0.4\n')
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "no channel 'Serch' in the table; did you mean 'Search'?" in text
    assert "key 'groups.g.channels': no channel or group 'Socal'; did you mean 'Social'?" in text


def test_extends_cycle_and_missing_files(folder):
    scenario(folder, "a.toml", 'extends = "b.toml"\n')
    scenario(folder, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(InputError, match="goes round in a circle"):
        load_scenario(folder / "a.toml")
    with pytest.raises(InputError, match="no scenario file"):
        load_scenario(scenario(folder, "c.toml", 'extends = "nope.toml"\n'))
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(scenario(folder, "d.toml", 'budget = \n'))


def test_conflicting_rules_are_diagnosed_by_how_much_they_miss(folder):
    path = scenario(folder, "g.toml", 'extends = "base.toml"\n[groups.tv]\nchannels = ["TV"]\nmin_share = 0.5\n')
    result = load_scenario(path).run()
    assert result.status == "infeasible"
    # TV can take at most 450 (+50 %), half of the 1 100 budget is 550
    assert "group 'tv' at least 50% of spend cannot hold" in result.diagnosis[0]
    assert "misses by" in result.diagnosis[0]


def test_compare_equals_running_each_scenario_alone(folder):
    cut = scenario(folder, "cut.toml", 'extends = "base.toml"\nbudget = "-20%"\n')
    runs = run_scenarios([folder / "base.toml", cut])
    table = compare(runs)
    for path in (folder / "base.toml", cut):
        alone = load_scenario(path).run()
        column = table[path.stem]
        assert column["value"] == alone.after.value and column["ltv_cac"] == alone.after.ltv_cac
        for channel, spend in alone.plan.set_index("channel").recommended_spend.items():
            assert column[f"spend: {channel}"] == spend


def test_a_very_deep_extends_chain_is_refused_in_words(tmp_path):
    (tmp_path / "channels.csv").write_text("channel,spend,customers,ltv\nA,100,10,50\n")
    (tmp_path / "s0.toml").write_text('channels = "channels.csv"\n')
    for k in range(1, 80):
        (tmp_path / f"s{k}.toml").write_text(f'extends = "s{k - 1}.toml"\n')
    with pytest.raises(InputError, match="extends goes more than 50 files deep"):
        load_scenario(tmp_path / "s79.toml")
