"""Tests for the double-entry ledger."""

import math
import pickle
from decimal import ROUND_HALF_EVEN, Decimal

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from sim.finance.ledger import (
    AccountKind,
    Ledger,
    LedgerInvariantError,
    OverdraftError,
    from_cents,
    to_cents,
)


@pytest.fixture
def ledger() -> Ledger:
    """A ledger with a treasury, a city budget, an organisation and a pilot."""
    led = Ledger()
    led.open("treasury", AccountKind.EXTERNAL)
    led.open("city:0:budget", AccountKind.BUDGET, owner=0)
    led.open("org:1", AccountKind.ORGANISATION, owner=1)
    led.open("pilot:7", AccountKind.PILOT)
    return led


def snapshot(led: Ledger) -> tuple[dict[str, int], int]:
    return {name: led.balance_cents(name) for name in led.accounts()}, len(led)


# --- conversion -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        (0.1, 10),
        (1.0, 100),
        (0.125, 12),  # half to even: down
        (0.135, 14),  # half to even: up
        (2.675, 268),  # the written decimal is rounded, not its binary approximation
        (0.004, 0),
        (-0.125, -12),
        (7, 700),
        (10**20, 10**22),
        (np.float64(0.3), 30),
        (np.int64(5), 500),
    ],
)
def test_to_cents_rounds_half_even(amount: float, cents: int) -> None:
    assert to_cents(amount) == cents


def decimal_cents(amount: float) -> int:
    """The definition of to_cents: the shortest decimal of the float, rounded half to even."""
    return int(Decimal(repr(amount)).scaleb(2).to_integral_value(rounding=ROUND_HALF_EVEN))


@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False),
        st.floats(min_value=-1e7, max_value=1e7),
        # on or next to a half cent, where the fast path must give way to Decimal
        st.builds(
            lambda k, ulps: float(np.nextafter(k / 200, math.inf * ulps)) if ulps else k / 200,
            st.one_of(st.integers(-(10**6), 10**6), st.integers(-(10**9), 10**9)),
            st.sampled_from([-1, 0, 1]),
        ),
    )
)
@example(2.675)  # 267.49999999999997 in binary: the decimal 267.5 rounds to 268
@example(1.005)
@example(163.795)  # 16379.499999999998 in binary: 16379.5 in decimal, rounds to 16380
def test_to_cents_equals_its_decimal_definition(amount: float) -> None:
    assert to_cents(amount) == decimal_cents(amount)


def test_from_cents() -> None:
    assert from_cents(30) == 0.3
    assert from_cents(-12) == -0.12
    assert from_cents(np.int64(5)) == 0.05
    with pytest.raises(TypeError):
        from_cents(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf])
def test_to_cents_rejects_non_finite(amount: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_cents(amount)


@pytest.mark.parametrize("amount", ["1.0", None, True])
def test_to_cents_rejects_non_numbers(amount: object) -> None:
    with pytest.raises(TypeError, match="real number"):
        to_cents(amount)  # type: ignore[arg-type]


# --- transfers and conservation ---------------------------------------------------------


def test_transfer_moves_money_and_conserves(ledger: Ledger) -> None:
    first = ledger.transfer("treasury", "city:0:budget", 1000.0, step=0, reason="allocation")
    second = ledger.transfer("city:0:budget", "pilot:7", 250.5, step=1, reason="grant", pilot_id=7)
    assert (first, second) == (0, 1)
    assert ledger.balance("treasury") == -1000.0
    assert ledger.balance("city:0:budget") == 749.5
    assert ledger.balance_cents("pilot:7") == 25050
    assert ledger.total_cents() == 0
    assert len(ledger) == 2
    ledger.check()


def test_overdraft_is_refused_and_changes_nothing(ledger: Ledger) -> None:
    ledger.transfer("treasury", "city:0:budget", 100.0, step=0, reason="allocation")
    before = snapshot(ledger)
    with pytest.raises(OverdraftError) as info:
        ledger.transfer("city:0:budget", "pilot:7", 100.01, step=1, reason="grant")
    assert snapshot(ledger) == before
    error = info.value
    assert (error.account, error.balance, error.amount, error.floor) == (
        "city:0:budget",
        100.0,
        100.01,
        0.0,
    )
    for part in ("city:0:budget", "100.00", "100.01", "0.00"):
        assert part in str(error)
    assert isinstance(error, ValueError)
    ledger.check()


def test_overdraft_error_pickles() -> None:
    error = OverdraftError("a", 1.0, 2.0, -0.5)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.floor == -0.5


def test_spending_the_exact_balance_is_allowed(ledger: Ledger) -> None:
    ledger.transfer("treasury", "city:0:budget", 100.0, step=0, reason="allocation")
    ledger.transfer("city:0:budget", "pilot:7", 100.0, step=0, reason="grant")
    assert ledger.balance("city:0:budget") == 0.0


def test_credit_line_allows_negative_balance_down_to_its_limit() -> None:
    led = Ledger()
    led.open("market", AccountKind.EXTERNAL)
    led.open("fund", AccountKind.FUND, credit_limit=500.0)
    led.open("org", AccountKind.ORGANISATION)
    led.transfer("fund", "org", 500.0, step=0, reason="loan")
    assert led.balance("fund") == -500.0
    with pytest.raises(OverdraftError, match=r"-500\.00"):
        led.transfer("fund", "org", 0.01, step=0, reason="loan")
    led.transfer("market", "fund", 600.0, step=1, reason="capital_call")
    led.transfer("fund", "org", 100.0, step=1, reason="loan")
    assert led.balance("fund") == 0.0
    led.check()


def test_unlimited_credit_line_for_any_kind() -> None:
    led = Ledger()
    led.open("city", AccountKind.BUDGET, credit_limit=math.inf)
    led.open("org", AccountKind.ORGANISATION)
    led.transfer("city", "org", 1e12, step=0, reason="deficit_spending")
    assert led.balance("city") == -1e12
    led.check()


def test_external_accounts_have_unlimited_credit_and_balances_sum_to_zero() -> None:
    led = Ledger()
    led.open("taxpayers", AccountKind.EXTERNAL)
    led.open("markets", AccountKind.EXTERNAL)
    led.open("investor", AccountKind.CAPITAL_PROVIDER)
    led.open("payer", AccountKind.BUDGET)
    led.transfer("markets", "investor", 1e9, step=0, reason="endowment")
    led.transfer("taxpayers", "payer", 5e8, step=0, reason="allocation")
    assert led.balances(AccountKind.EXTERNAL) == {"taxpayers": -5e8, "markets": -1e9}
    assert led.total_cents() == 0
    frame = led.accounts_frame()
    assert frame.loc[frame["kind"] == "external", "credit_limit"].tolist() == [math.inf] * 2
    led.check()


def test_external_account_with_finite_limit() -> None:
    led = Ledger()
    led.open("capped", AccountKind.EXTERNAL, credit_limit=10.0)
    led.open("org", AccountKind.ORGANISATION)
    with pytest.raises(OverdraftError):
        led.transfer("capped", "org", 10.01, step=0, reason="x")


@pytest.mark.parametrize("limit", [-1.0, math.nan, -math.inf])
def test_invalid_credit_limit(limit: float) -> None:
    with pytest.raises(ValueError, match="credit_limit"):
        Ledger().open("a", AccountKind.FUND, credit_limit=limit)


def test_rounding_sums_exactly_to_the_cent(ledger: Ledger) -> None:
    for _ in range(3):
        ledger.transfer("treasury", "org:1", 0.1, step=0, reason="fee")
    ledger.transfer("org:1", "treasury", 0.3, step=0, reason="refund")
    assert ledger.balance_cents("org:1") == 0
    assert ledger.balance("org:1") == 0.0
    assert ledger.balance_cents("treasury") == 0
    for _ in range(10):
        ledger.transfer("treasury", "org:1", 0.1, step=0, reason="fee")
    assert ledger.balance("org:1") == 1.0
    assert ledger.flows(reason="fee") == 1.3


def test_amounts_are_rounded_half_even_to_cents(ledger: Ledger) -> None:
    ledger.transfer("treasury", "org:1", 0.125, step=0, reason="x")
    ledger.transfer("treasury", "org:1", 0.135, step=0, reason="x")
    assert ledger.balance_cents("org:1") == 12 + 14


@pytest.mark.parametrize("amount", [0.0, 0, 0.004, -0.0])
def test_zero_amount_is_a_no_op(ledger: Ledger, amount: float) -> None:
    before = snapshot(ledger)
    assert ledger.transfer("city:0:budget", "pilot:7", amount, step=0, reason="grant") is None
    assert snapshot(ledger) == before
    assert ledger.to_frame().empty


@pytest.mark.parametrize(
    ("amount", "match"),
    [
        (math.nan, "finite"),
        (math.inf, "finite"),
        (-math.inf, "finite"),
        (-1.0, "negative"),
        (-0.001, "negative"),
    ],
)
def test_bad_amounts_are_rejected(ledger: Ledger, amount: float, match: str) -> None:
    before = snapshot(ledger)
    with pytest.raises(ValueError, match=match):
        ledger.transfer("treasury", "pilot:7", amount, step=0, reason="grant")
    assert snapshot(ledger) == before


def test_duplicate_account_is_rejected(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="already exists"):
        ledger.open("pilot:7", AccountKind.PILOT)
    with pytest.raises(ValueError, match="non-empty"):
        ledger.open("", AccountKind.PILOT)


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="bank"):
        Ledger().open("a", "bank")


def test_kind_may_be_given_as_its_value() -> None:
    led = Ledger()
    led.open("a", "fund")
    assert led.kind_of("a") is AccountKind.FUND


def test_unknown_account_is_named(ledger: Ledger) -> None:
    with pytest.raises(KeyError, match="nowhere"):
        ledger.transfer("treasury", "nowhere", 1.0, step=0, reason="x")
    with pytest.raises(KeyError, match="nowhere"):
        ledger.transfer("nowhere", "treasury", 0.0, step=0, reason="x")
    with pytest.raises(KeyError, match="nowhere"):
        ledger.balance("nowhere")
    with pytest.raises(KeyError, match="nowhere"):
        ledger.kind_of("nowhere")
    assert len(ledger) == 0


def test_transfer_to_self_is_rejected(ledger: Ledger) -> None:
    with pytest.raises(ValueError, match="itself"):
        ledger.transfer("treasury", "treasury", 1.0, step=0, reason="x")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"step": -1, "reason": "x"}, "step"),
        ({"step": 1.5, "reason": "x"}, "step"),
        ({"step": True, "reason": "x"}, "step"),
        ({"step": 0, "reason": ""}, "reason"),
    ],
)
def test_bad_step_or_reason_is_rejected(ledger: Ledger, kwargs: dict, match: str) -> None:
    before = snapshot(ledger)
    with pytest.raises(ValueError, match=match):
        ledger.transfer("treasury", "pilot:7", 1.0, **kwargs)
    assert snapshot(ledger) == before


@pytest.mark.parametrize("pilot_id", ["7", 7.0])
def test_non_integer_pilot_id_is_rejected(ledger: Ledger, pilot_id: object) -> None:
    before = snapshot(ledger)
    with pytest.raises(TypeError):
        ledger.transfer("treasury", "pilot:7", 1.0, step=0, reason="x", pilot_id=pilot_id)
    assert snapshot(ledger) == before
    ledger.check()


def test_transfer_all_moves_the_positive_balance(ledger: Ledger) -> None:
    ledger.transfer("treasury", "city:0:budget", 123.45, step=0, reason="allocation")
    index = ledger.transfer_all("city:0:budget", "treasury", step=12, reason="budget_lapse")
    assert index == 1
    assert ledger.balance("city:0:budget") == 0.0
    assert ledger.flows(reason="budget_lapse") == 123.45
    assert ledger.transfer_all("city:0:budget", "treasury", step=12, reason="lapse") is None
    # a negative balance (credit line) has nothing to give
    assert ledger.transfer_all("treasury", "org:1", step=12, reason="sweep") is None
    assert len(ledger) == 2
    ledger.check()


def test_accounts_balances_and_kinds(ledger: Ledger) -> None:
    ledger.open("fund:eu", AccountKind.FUND)
    ledger.transfer("treasury", "fund:eu", 10.0, step=0, reason="x")
    assert ledger.accounts() == ["treasury", "city:0:budget", "org:1", "pilot:7", "fund:eu"]
    assert ledger.accounts(AccountKind.FUND) == ["fund:eu"]
    assert ledger.accounts("pilot") == ["pilot:7"]
    assert ledger.balances(AccountKind.FUND) == {"fund:eu": 10.0}
    assert sum(ledger.balances().values()) == 0.0
    assert ledger.kind_of("treasury") is AccountKind.EXTERNAL
    assert ledger.accounts(AccountKind.CAPITAL_PROVIDER) == []


# --- flows and frames -------------------------------------------------------------------


@pytest.fixture
def busy() -> Ledger:
    """A ledger with grants, investment and repayments over a few steps."""
    led = Ledger()
    led.open("treasury", AccountKind.EXTERNAL)
    led.open("market", AccountKind.EXTERNAL)
    led.open("city", AccountKind.BUDGET, owner=0)
    led.open("investor", AccountKind.CAPITAL_PROVIDER, owner=5)
    led.open("pilot:1", AccountKind.PILOT)
    led.open("pilot:2", AccountKind.PILOT)
    led.transfer("treasury", "city", 1000.0, step=0, reason="allocation")
    led.transfer("market", "investor", 500.0, step=0, reason="endowment")
    led.transfer("city", "pilot:1", 100.0, step=1, reason="grant", pilot_id=1)
    led.transfer("city", "pilot:2", 200.0, step=2, reason="grant", pilot_id=2)
    led.transfer("investor", "pilot:2", 300.0, step=2, reason="investment", pilot_id=2)
    led.transfer("pilot:2", "investor", 50.0, step=3, reason="repayment", pilot_id=2)
    return led


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, 2150.0),
        ({"reason": "grant"}, 300.0),
        ({"reason": "nothing"}, 0.0),
        ({"src_kind": AccountKind.BUDGET}, 300.0),
        ({"src_kind": "capital_provider"}, 300.0),
        ({"dst_kind": AccountKind.PILOT}, 600.0),
        ({"src_kind": AccountKind.PILOT, "dst_kind": AccountKind.CAPITAL_PROVIDER}, 50.0),
        ({"pilot_id": 2}, 550.0),
        ({"pilot_id": 2, "reason": "grant"}, 200.0),
        ({"until_step": 0}, 1500.0),
        ({"until_step": 1, "src_kind": AccountKind.BUDGET}, 100.0),
        ({"until_step": -1}, 0.0),
    ],
)
def test_flows_filters(busy: Ledger, filters: dict, expected: float) -> None:
    assert busy.flows(**filters) == expected


def test_to_frame_columns_and_dtypes(busy: Ledger) -> None:
    frame = busy.to_frame()
    assert list(frame.columns) == [
        "step",
        "src",
        "dst",
        "src_kind",
        "dst_kind",
        "amount",
        "amount_cents",
        "reason",
        "pilot_id",
    ]
    assert len(frame) == len(busy) == 6
    assert frame["step"].dtype == np.int64
    assert frame["amount"].dtype == np.float64
    assert frame["amount_cents"].dtype == np.int64
    assert frame["pilot_id"].dtype == pd.Int64Dtype()
    for column in ("src", "dst", "src_kind", "dst_kind", "reason"):
        assert pd.api.types.is_string_dtype(frame[column]), column
    assert frame["pilot_id"].isna().tolist() == [True, True, False, False, False, False]
    assert frame["src_kind"].iloc[-1] == "pilot"
    assert frame["amount"].sum() == busy.flows()
    assert (frame["amount"] * 100).round().astype("int64").tolist() == frame[
        "amount_cents"
    ].tolist()


def test_empty_frames_have_the_same_dtypes() -> None:
    empty = Ledger().to_frame()
    full = Ledger()
    full.open("a", AccountKind.EXTERNAL)
    full.open("b", AccountKind.PILOT)
    full.transfer("a", "b", 1.0, step=0, reason="x", pilot_id=3)
    assert empty.empty
    pd.testing.assert_series_equal(empty.dtypes, full.to_frame().dtypes)
    assert Ledger().accounts_frame().empty


def test_accounts_frame(busy: Ledger) -> None:
    busy.open("fund", AccountKind.FUND, credit_limit=25.0)
    frame = busy.accounts_frame()
    assert list(frame.columns) == ["name", "kind", "owner", "credit_limit", "balance"]
    assert frame["owner"].dtype == pd.Int64Dtype()
    assert frame["credit_limit"].dtype == np.float64
    assert frame["balance"].dtype == np.float64
    rows = frame.set_index("name")
    assert rows.loc["investor", "owner"] == 5
    assert pd.isna(rows.loc["pilot:1", "owner"])
    assert rows.loc["fund", "credit_limit"] == 25.0
    assert rows.loc["city", "credit_limit"] == 0.0
    assert not math.copysign(1.0, rows.loc["city", "credit_limit"]) < 0
    assert rows.loc["treasury", "credit_limit"] == math.inf
    assert rows.loc["pilot:2", "balance"] == 450.0
    assert frame["balance"].sum() == 0.0


# --- invariant checking -----------------------------------------------------------------


def test_check_detects_corrupted_balance(busy: Ledger) -> None:
    busy.check()
    busy._accounts["city"].balance += 1
    with pytest.raises(LedgerInvariantError, match="city"):
        busy.check()


def test_check_detects_corrupted_journal(busy: Ledger) -> None:
    busy._cents[0] += 1
    with pytest.raises(LedgerInvariantError, match="replayed"):
        busy.check()


def test_check_detects_breached_floor(busy: Ledger) -> None:
    busy._accounts["city"].floor = 10**6
    with pytest.raises(LedgerInvariantError, match="floor"):
        busy.check()


def test_check_detects_malformed_journal(busy: Ledger) -> None:
    busy._cents[0] = 0
    with pytest.raises(LedgerInvariantError, match="entry 0"):
        busy.check()
    busy._cents.pop()
    with pytest.raises(LedgerInvariantError, match="lengths"):
        busy.check()


def test_check_is_not_an_assertion() -> None:
    assert not issubclass(LedgerInvariantError, AssertionError)


def test_many_transfers_stay_exact() -> None:
    led = Ledger()
    led.open("treasury", AccountKind.EXTERNAL)
    led.open("city", AccountKind.BUDGET)
    pilots = [led.open(f"pilot:{i}", AccountKind.PILOT) for i in range(100)]
    led.transfer("treasury", "city", 1e6, step=0, reason="allocation")
    for n in range(100_000):
        led.transfer(
            "city", pilots[n % 100], 0.01, step=n // 1000, reason="grant", pilot_id=n % 100
        )
    assert led.balance("city") == 1e6 - 1000.0
    assert led.flows(reason="grant", pilot_id=3) == 10.0
    assert led.flows(src_kind=AccountKind.BUDGET, until_step=49) == 500.0
    assert len(led.to_frame()) == 100_001
    led.check()


# --- property-based: random opens and transfers -----------------------------------------

KINDS = st.sampled_from(list(AccountKind))
LIMITS = st.one_of(
    st.none(),
    st.just(0.0),
    st.just(math.inf),
    st.integers(0, 10_000).map(lambda cents: cents / 100),
)
AMOUNTS = st.one_of(
    st.integers(0, 2_000_000).map(lambda cents: cents / 100),
    st.floats(0, 20_000, allow_nan=False, allow_infinity=False),
)


class LedgerMachine(RuleBasedStateMachine):
    """Random opens and transfers checked against a shadow model in integer cents."""

    accounts = Bundle("accounts")

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger()
        self.model: dict[str, int] = {}
        self.floors: dict[str, int | None] = {}
        self.recorded = 0

    @initialize(target=accounts)
    def open_treasury(self) -> str:
        self.floors["treasury"] = None
        self.model["treasury"] = 0
        return self.ledger.open("treasury", AccountKind.EXTERNAL)

    @rule(target=accounts, kind=KINDS, limit=LIMITS)
    def open_account(self, kind: AccountKind, limit: float | None) -> str:
        name = f"{kind}:{len(self.model)}"
        self.ledger.open(name, kind, credit_limit=limit)
        if limit is None:
            self.floors[name] = None if kind is AccountKind.EXTERNAL else 0
        else:
            self.floors[name] = None if limit == math.inf else -round(limit * 100)
        self.model[name] = 0
        return name

    @rule(src=accounts, dst=accounts, amount=AMOUNTS, step=st.integers(0, 50))
    def transfer(self, src: str, dst: str, amount: float, step: int) -> None:
        if src == dst:
            with pytest.raises(ValueError, match="itself"):
                self.ledger.transfer(src, dst, amount, step=step, reason="random")
            return
        cents = to_cents(amount)
        floor = self.floors[src]
        if floor is not None and self.model[src] - cents < floor:
            with pytest.raises(OverdraftError):
                self.ledger.transfer(src, dst, amount, step=step, reason="random")
            return
        index = self.ledger.transfer(src, dst, amount, step=step, reason="random")
        if cents == 0:
            assert index is None
            return
        assert index == self.recorded
        self.recorded += 1
        self.model[src] -= cents
        self.model[dst] += cents

    @rule(src=accounts, dst=accounts)
    def sweep(self, src: str, dst: str) -> None:
        if src == dst:
            return
        cents = max(self.model[src], 0)
        index = self.ledger.transfer_all(src, dst, step=50, reason="sweep")
        assert (index is None) == (cents == 0)
        self.recorded += index is not None
        self.model[src] -= cents
        self.model[dst] += cents

    @invariant()
    def conserved(self) -> None:
        assert self.ledger.total_cents() == 0

    @invariant()
    def matches_model_and_floors(self) -> None:
        assert {name: self.ledger.balance_cents(name) for name in self.model} == self.model
        for name, floor in self.floors.items():
            assert floor is None or self.model[name] >= floor
        assert len(self.ledger) == self.recorded

    @invariant()
    def checks(self) -> None:
        self.ledger.check()

    @invariant()
    def journal_replays_to_balances(self) -> None:
        frame = self.ledger.to_frame()
        outflow = frame.groupby("src")["amount_cents"].sum()
        inflow = frame.groupby("dst")["amount_cents"].sum()
        replayed = inflow.sub(outflow, fill_value=0)
        for name, cents in self.model.items():
            assert int(replayed.get(name, 0)) == cents


LedgerMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, database=None, deadline=None
)
TestLedgerMachine = LedgerMachine.TestCase
