"""Hypothesis strategies for hostile input: cells, names, whole files (as a spreadsheet, a careless
export or an attacker would write them), scenario files and command-line options.

Every table starts as a plausible one and is then damaged, so that both the error paths and the
paths that solve are reached: a table of only garbage never gets past the first check.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math

from hypothesis import strategies as st

NUMBER_WORDS = ["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "-1e308", "1e15", "1e16", "-5",
                "0", "-0", "abc", "1 234,5", "1.234,5", "1,234.5", "0x10", "5e-324", "١٢٣", "½", "True", "None",
                "#N/A", "=1+1", "10%", "1e-9", "99999999999999999999999", "+7", "'12"]
NAMES = ["Search", "TV", "Søk (paid search)", "=cmd|' /C calc'!A0", "-TV", "+x", "@SUM(A1)", "\x1b[2J\x1b[31mRED",
         "a\rb", "\u202eevil", "", " ", "Display", "E-mail (NO)", "x" * 300, 'quote"d', "semi;colon", "com,ma",
         "line\nbreak", "\t", "TV "]


def numbers(low: float = 0.0, high: float = 1e6) -> st.SearchStrategy[str]:
    """Number cells: mostly plausible, sometimes hostile (NaN, infinities, huge, text, locale forms)."""
    plausible = st.floats(low, high, allow_nan=False).map(lambda x: f"{x:.6g}")
    anything = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    return st.one_of(plausible, plausible, plausible, st.sampled_from(NUMBER_WORDS), anything,
                     st.integers(-10**20, 10**20).map(str))


names = st.one_of(st.sampled_from(NAMES), st.text(min_size=0, max_size=12))
# Channels of journeys come from a short list: exact Shapley values take 2^n work for n channels (up to 20),
# so free text would spend the budget on a few slow examples instead of many hostile ones.
touchpoints = st.one_of(st.sampled_from(["Search", "TV", "Display", "=cmd", "-TV", "\x1b[31mRED", "", " ", "a\rb"]),
                        st.text(max_size=2))


@st.composite
def csv_text(draw, header: list[str], rows: list[list[str]]) -> bytes:
    """``header`` and ``rows`` as a CSV file, written the way some spreadsheet would, then maybe damaged."""
    sep = draw(st.sampled_from([",", ",", ";", "\t"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for row in rows:
        cells = [c.replace(".", ",") if sep == ";" and _numeric(c) else c for c in row]
        writer.writerow(cells)
    text = out.getvalue()
    damage = draw(st.sampled_from(["none"] * 8 + ["trailing sep", "ragged", "quote", "bom", "utf16", "binary",
                                                 "empty", "header only", "cp1252", "truncated", "dup column"]))
    if damage == "trailing sep":
        text = "".join(line + sep + "\n" for line in text.splitlines())
    elif damage == "ragged":
        lines = text.splitlines()
        k = draw(st.integers(0, len(lines) - 1))
        lines[k] += sep + "extra"
        text = "\n".join(lines) + "\n"
    elif damage == "quote":
        k = draw(st.integers(0, len(text)))
        text = text[:k] + '"' + text[k:]
    elif damage == "truncated":
        text = text[:draw(st.integers(0, len(text)))]
    elif damage == "header only":
        text = text.splitlines()[0] + "\n"
    elif damage == "empty":
        text = ""
    elif damage == "dup column":
        lines = text.splitlines()
        text = "\n".join(line + sep + line.split(sep)[0] for line in lines) + "\n"
    if damage == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if damage == "utf16":
        return text.encode("utf-16")
    if damage == "binary":
        return draw(st.binary(min_size=1, max_size=200)) + text.encode("utf-8")
    if damage == "cp1252":
        return text.encode("cp1252", errors="replace")
    return text.encode("utf-8", errors="surrogatepass")


def _numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@st.composite
def channel_table(draw) -> tuple[bytes, list[str]]:
    """A channel table file and its channel names."""
    n = draw(st.integers(1, 5))
    chosen = draw(st.lists(names, min_size=n, max_size=n))
    plain = [f"C{k}" for k in range(n)]
    channel_names = [c if draw(st.booleans()) else p for c, p in zip(chosen, plain)]
    extra = draw(st.lists(st.sampled_from(["curve", "elasticity", "max_customers", "min_spend", "max_spend", "locked",
                                           "cac", "shape", "min_buy_in", "value_0m", "value_12m", "max_payback",
                                           "organic_customers", "spnd", "ref_spend", "ref_customers", "ltv_low",
                                           "ltv_high", "customers_low", "customers_high", "interval_level",
                                           "market", "period"]),
                          max_size=5, unique=True))
    header = ["channel", "spend", "customers", "ltv", *extra]
    rows = []
    for name in channel_names:
        spend = draw(st.floats(0, 1e6).map(lambda x: f"{x:.6g}"))
        customers = draw(st.floats(0.1, 1e4).map(lambda x: f"{x:.6g}"))
        ltv = draw(st.floats(1, 1e4).map(lambda x: f"{x:.6g}"))
        cells = [name, spend, customers, ltv] + [draw(_extra_cell(c)) for c in extra]
        if draw(st.integers(0, 3)) == 0:  # one hostile cell in this row
            k = draw(st.integers(1, len(cells) - 1))
            cells[k] = draw(numbers())
        rows.append(cells)
    return draw(csv_text(header, rows)), channel_names


def _extra_cell(column: str) -> st.SearchStrategy[str]:
    words = {"curve": st.sampled_from(["linear", "power", "saturating", "hill", "", "Power", "exp"]),
             "locked": st.sampled_from(["true", "false", "", "ja", "maybe", "1"]),
             "elasticity": numbers(0, 1.5), "shape": numbers(0, 12), "max_payback": numbers(0, 60),
             "ltv_low": numbers(0, 50), "ltv_high": numbers(500, 1e5), "customers_low": numbers(0, 1),
             "customers_high": numbers(1e4, 1e5), "interval_level": numbers(0, 1),
             "market": st.sampled_from(["NO", "SE", "", "=cmd"]), "period": st.sampled_from(["2027-01", "2027-02", ""])}
    return words.get(column, numbers())


def toml_value(value) -> str:
    """``value`` written as TOML (floats NaN and infinity included, as TOML allows)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=True)


scenario_numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(0, 2),
                             st.integers(-10**6, 10**6), st.sampled_from([0, 1, 0.5, -1, 3, 10**18, 1e300]))
scenario_values = st.one_of(scenario_numbers, st.booleans(), st.sampled_from(["-20%", "+10%", "x1.1", "x0", "-5",
                                                                               "abc", "", "1e308", "nan", "-200%"]))


@st.composite
def scenario(draw, table: str, channel_names: list[str], base: str | None = None) -> str:
    """A scenario file over ``table`` (or a missing, odd or hostile one), with hostile settings and rules."""
    lines = []
    if draw(st.integers(0, 4)):
        lines.append(f"channels = {toml_value(table)}")
    else:
        lines.append(f"channels = {toml_value(draw(st.sampled_from(['missing.csv', '.', '/dev/null', 'a.toml'])))}")
    if draw(st.booleans()):
        lines.append(f"description = {toml_value(draw(names))}")
    if base is not None:
        lines.append(f"extends = {toml_value(base)}")
    for key in draw(st.lists(st.sampled_from(["budget", "objective", "budget_mode", "max_change", "min_ratio",
                                              "fixed_costs", "max_active", "time_limit", "max_payback", "method",
                                              "organic_customers", "organic_ltv", "blended", "budjet"]),
                             max_size=3, unique=True)):
        words = {"objective": ["ratio", "value", "profit", "customers", "roi"], "budget_mode": ["exact", "at-most"],
                 "method": ["auto", "lp"]}
        value = draw(st.sampled_from(words[key])) if key in words else draw(scenario_values)
        lines.append(f"{key} = {toml_value(value)}")
    members = st.lists(st.one_of(st.sampled_from(channel_names), names), min_size=1, max_size=3)
    for _ in range(draw(st.integers(0, 2))):
        lines.append(f"[[adjust]]\nchannels = {toml_value(draw(members))}")
        key = draw(st.sampled_from(["cac", "ltv", "customers", "max_spend", "min_spend", "locked", "remove",
                                    "elasticity", "curve"]))
        lines.append(f"{key} = {toml_value(draw(scenario_values))}")
    for k in range(draw(st.integers(0, 2))):
        lines.append(f"[groups.{json.dumps(f'g{k}')}]\nchannels = {toml_value(draw(members))}")
        key = draw(st.sampled_from(["min_share", "max_share", "min_spend", "max_spend"]))
        lines.append(f"{key} = {toml_value(draw(scenario_numbers))}")
    for _ in range(draw(st.integers(0, 1))):
        left, right = draw(st.sampled_from(channel_names)), draw(st.sampled_from([*channel_names, "g0", "nobody"]))
        lines.append(f"[[ratios]]\nleft = {toml_value(left)}\nright = {toml_value(right)}\n"
                     f"{draw(st.sampled_from(['max', 'min']))} = {toml_value(draw(scenario_numbers))}")
    if draw(st.integers(0, 9)) == 0:
        lines.append(draw(st.sampled_from(["[[add]]\nchannel = \"New\"\nltv = 100\nref_spend = 10\nref_customers = 1",
                                           "not toml at all ===", "budget = 1\nbudget = 2"])))
    return "\n".join(lines) + "\n"


PLAN_OPTIONS = {
    "--budget": ["-5", "-20%", "x1.1", "+50", "0", "inf", "nan", "1e308", "abc", "", "x-1", "-200%", "1e15", "1000"],
    "--objective": ["ratio", "value", "profit", "customers", "roi"],
    "--budget-mode": ["exact", "at-most", "sometimes"],
    "--max-change": ["0", "0.2", "-1", "nan", "inf", "1e9"],
    "--min-ratio": ["0", "2", "-1", "nan", "inf", "1e300"],
    "--fixed-costs": ["0", "100", "-5", "inf", "nan", "1e300"],
    "--max-active": ["1", "2", "0", "-1", "99999999999"],
    "--time-limit": ["2", "0", "-1", "nan", "inf"],
    "--method": ["auto", "lp"],
    "--solver": ["highs", "cbc", "gurobi"],
    "--max-payback": ["12", "0", "nan", "1e9"],
    "--organic-customers": ["0", "100", "-1", "nan"],
    "--organic-ltv": ["50", "-1", "inf"],
    "--simulate": ["3", "1", "0", "100001"],
    "--risk": ["expected", "cvar:0.2", "cvar:0", "cvar:nan", "var"],
    "--seed": ["0", "-1", "7"],
    "--target": ["3", "0", "nan"],
    "--interval-level": ["0.9", "0", "1", "nan"],
    "--dims": ["market", "period", "market,period", "nope", ""],
    "--budgets": ["market:NO=100", "market:NO=nan", "period:2027-01=+10%", "bad", "market:XX=5"],
    "--max-period-change": ["0.2", "-1", "nan"],
    "--draws": ["draws.csv", "missing.csv"],
}


@st.composite
def draws_table(draw, channel_names: list[str]) -> bytes:
    """A draws table (draw, channel, customers, ltv) over some of ``channel_names``, small and damaged."""
    rows = [[str(d), name, draw(numbers(0.1, 1e4)), draw(numbers(1, 1e4))]
            for d in range(draw(st.integers(1, 4))) for name in channel_names if draw(st.integers(0, 5))]
    return draw(csv_text(["draw", "channel", "customers", "ltv"], rows or [["0", "C0", "1", "1"]]))


def options(pool: dict[str, list[str]], most: int = 3) -> st.SearchStrategy[list[str]]:
    """A few options from ``pool``, each with one of its values (flags without values where the value is None)."""
    def pairs(keys: list[str]) -> st.SearchStrategy[list[str]]:
        return st.tuples(*[st.sampled_from(pool[k]) for k in keys]).map(
            lambda values: [part for k, v in zip(keys, values) for part in ((k,) if v is None else (k, v))])

    return st.lists(st.sampled_from(sorted(pool)), max_size=most, unique=True).flatmap(pairs)


@st.composite
def transactions(draw) -> tuple[bytes, bytes]:
    """A transaction log and an acquisition table, small and damaged."""
    customers = [f"K{k}" for k in range(draw(st.integers(1, 12)))]
    dates = st.one_of(st.dates(min_value=datetime.date(2022, 1, 1),
                               max_value=datetime.date(2024, 6, 30)).map(str),
                      st.sampled_from(["", "2999-01-01", "yesterday", "31.12.2023", "20240101", "2024-02-30"]))
    rows = [[draw(st.sampled_from(customers)), draw(dates), draw(numbers(-50, 500))]
            for _ in range(draw(st.integers(1, 30)))]
    log = draw(csv_text(["customer_id", "date", "amount"], rows))
    channels = st.one_of(st.sampled_from(["Search", "TV"]), names)
    acquired = [[c, draw(channels)] for c in customers if draw(st.integers(0, 5))]
    return log, draw(csv_text(["customer_id", "channel"], acquired or [["K0", "Search"]]))


@st.composite
def event_log(draw) -> bytes:
    """An event log (customer, timestamp, channel, conversion, value), small and damaged."""
    stamps = st.one_of(st.integers(0, 60 * 86400).map(lambda s: f"2024-01-01 00:00:00+{s}s"),
                       st.datetimes(min_value=datetime.datetime(2024, 1, 1),
                                    max_value=datetime.datetime(2024, 3, 1)).map(str),
                       st.sampled_from(["", "never", "2024-13-01"]))
    flags = st.sampled_from(["0", "1", "true", "false", "maybe", "", "2", "-1", "nan", "ja"])
    rows = [[draw(st.sampled_from(["u1", "u2", "u3", ""])), draw(stamps),
             draw(touchpoints), draw(flags), draw(numbers(0, 500))]
            for _ in range(draw(st.integers(1, 25)))]
    return draw(csv_text(["customer_id", "timestamp", "channel", "conversion", "value"], rows))


@st.composite
def path_table(draw) -> bytes:
    """Aggregated paths (path, total_conversions, total_conversion_value, total_null), small and damaged."""
    steps = touchpoints
    rows = [[" > ".join(draw(st.lists(steps, min_size=0, max_size=4))), draw(numbers(0, 50)), draw(numbers(0, 5000)),
             draw(numbers(0, 50))] for _ in range(draw(st.integers(1, 12)))]
    return draw(csv_text(["path", "total_conversions", "total_conversion_value", "total_null"], rows))


@st.composite
def history(draw) -> bytes:
    """Per-period history (period, channel, spend, customers, ltv), small and damaged."""
    rows = []
    for channel in draw(st.lists(st.one_of(st.sampled_from(["Search", "TV"]), names), min_size=1, max_size=3,
                                 unique=True)):
        for period in range(draw(st.integers(1, 8))):
            spend = draw(numbers(0, 1e5))
            rows.append([str(period), channel, spend, draw(numbers(0, 500)), draw(numbers(1, 500))])
    return draw(csv_text(["period", "channel", "spend", "customers", "ltv"], rows))
