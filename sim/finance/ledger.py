"""Double-entry ledger through which every unit of money in the model moves.

Every city budget, fund, capital provider, organisation and pilot holds an *account*; the only
way money moves is a *transfer* from one account to another, recorded in a journal with the
simulation step, the amount, a reason and (optionally) the pilot it belongs to. Grants, capital
stacks with tranches, revolving-fund loans and repayments, and outcome payments are all
sequences of transfers between generic accounts, so the ledger needs no notion of instruments.

Money enters and leaves the model through ``EXTERNAL`` accounts (treasury, taxpayers, markets).
They have an unlimited credit line by default and go negative as money enters the model, so
the sum of all balances is always exactly zero.

Amounts are held as integer cents (Python ``int``, so they never overflow or drift); the public
API takes and returns float currency units and converts with round-half-even to the cent.

The journal, the balances and their replay check are one invariant, so they share one module.
"""

import math
import numbers
import operator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum

import numpy as np
import pandas as pd
import pyarrow as pa

CENTS_PER_UNIT = 100
"""Number of cents in one currency unit."""
FAST_LIMIT = 1e13
"""Amounts below this in size (currency units) take :func:`to_cents`'s fast path."""


def to_cents(amount: float) -> int:
    """Convert money in currency units to whole cents, rounding half to even.

    A float is rounded as the shortest decimal that represents it (its ``repr``), i.e. the
    decimal that was written rather than its binary approximation: ``to_cents(2.675) == 268``
    and ``to_cents(0.125) == 12``. Integers are converted exactly.

    Args:
        amount: Money in currency units (e.g. euros); any finite real number, may be negative.

    Returns:
        The amount in cents (1/100 of a currency unit).

    Raises:
        TypeError: If ``amount`` is not a real number (bools are refused too).
        ValueError: If ``amount`` is NaN or infinite.

    """
    if isinstance(amount, float) and -FAST_LIMIT < amount < FAST_LIMIT:
        # Fast path, exact: the float nearest 100 x amount is within 1.5 ulp of 100 times the
        # shortest decimal that represents amount, so unless it lies within 2 ulp of a half
        # cent, rounding it to the nearest integer rounds that decimal the same way.
        # Below FAST_LIMIT, 100 x amount is below 2**50, whose ulp is 0.125: a distance from the
        # half cent above 0.25 needs no math.ulp.
        scaled = float(amount) * 100.0
        nearest = round(scaled)
        off_half = abs(abs(scaled - nearest) - 0.5)
        if off_half > 0.25 or off_half > 2.0 * math.ulp(scaled):
            return nearest
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise TypeError(f"money amount must be a real number, got {type(amount).__name__}")
    if isinstance(amount, numbers.Integral):
        return int(amount) * CENTS_PER_UNIT
    value = float(amount)
    if not math.isfinite(value):
        raise ValueError(f"money amount must be finite, got {value}")
    return int(Decimal(repr(value)).scaleb(2).to_integral_value(rounding=ROUND_HALF_EVEN))


def from_cents(cents: int) -> float:
    """Convert whole cents to currency units.

    Args:
        cents: Money in cents (1/100 of a currency unit); an integer.

    Returns:
        The amount in currency units, the float nearest to ``cents / 100``.

    """
    return operator.index(cents) / CENTS_PER_UNIT


def _amount_cents(amount: float) -> int:
    """Validate a transfer amount and convert it to cents.

    Args:
        amount: Money to move, in currency units; finite and not negative.

    Returns:
        The amount in cents, possibly 0 for amounts below half a cent.

    Raises:
        ValueError: If the amount is NaN, infinite or negative.

    """
    cents = to_cents(amount)
    if amount < 0:
        raise ValueError(f"transfer amount must not be negative, got {amount}")
    return cents


def str_column(values: list[str]) -> pd.Series:
    """Return strings as a column of pandas' ``str`` type.

    Arrow converts the list in one pass, about half the time of ``pd.Series(values, dtype=str)``
    (which checks every value in Python first); the column is the same.
    """
    return pd.Series(pa.array(values, type=pa.large_string()), dtype=str)


def int_column(values: list[int]) -> pd.Series:
    """Return integers as an ``int64`` column (as ``pd.Series(values, dtype="int64")``, faster)."""
    return pd.Series(np.fromiter(values, dtype=np.int64, count=len(values)))


def nullable_int_column(values: list[int | None]) -> pd.Series:
    """Return integers or None as a nullable ``Int64`` column, None as missing.

    The same column as ``pd.Series(values, dtype="Int64")`` (1 stored under the mask, as there),
    built from two NumPy arrays instead of pandas' inference over the list.
    """
    count = len(values)
    missing = np.fromiter((value is None for value in values), dtype=bool, count=count)
    data = np.fromiter((1 if value is None else value for value in values), np.int64, count)
    return pd.Series(pd.arrays.IntegerArray(data, missing))


class AccountKind(StrEnum):
    """What an account belongs to; used to filter balances and flows."""

    BUDGET = "budget"
    ORGANISATION = "organisation"
    PILOT = "pilot"
    CAPITAL_PROVIDER = "capital_provider"
    FUND = "fund"
    ESCROW = "escrow"
    RESERVE = "reserve"
    GUARANTEE = "guarantee"
    EXTERNAL = "external"


class OverdraftError(ValueError):
    """A transfer would take its source account below its floor (minus its credit limit).

    Attributes:
        account: Name of the source account.
        balance: Its balance before the refused transfer, in currency units.
        amount: The refused amount, in currency units.
        floor: The lowest balance the account may reach, in currency units (``-credit_limit``).

    """

    def __init__(self, account: str, balance: float, amount: float, floor: float) -> None:
        self.account = account
        self.balance = balance
        self.amount = amount
        self.floor = floor
        super().__init__(
            f"account {account!r} cannot pay {amount:,.2f}: its balance {balance:,.2f} "
            f"would fall below its floor of {floor:,.2f}"
        )

    def __reduce__(self) -> tuple[type, tuple[str, float, float, float]]:
        """Pickle by constructor arguments, so the error survives multiprocessing."""
        return type(self), (self.account, self.balance, self.amount, self.floor)


class LedgerInvariantError(RuntimeError):
    """The ledger is inconsistent: money not conserved, a floor breached, or corrupted state."""


@dataclass(slots=True)
class _Account:
    """Mutable state of one account (all money in cents)."""

    kind: AccountKind
    owner: int | None
    floor: int | None
    balance: int = 0


def _floor_cents(credit_limit: float | None, kind: AccountKind) -> int | None:
    """Return the lowest allowed balance in cents for a credit limit, or None if unlimited.

    Args:
        credit_limit: How far below zero the account may go, in currency units; not negative,
            ``math.inf`` for unlimited, None for the kind's default (unlimited for ``EXTERNAL``,
            0 otherwise).
        kind: Kind of the account.

    Returns:
        ``-credit_limit`` in cents, or None for an unlimited credit line.

    Raises:
        ValueError: If the credit limit is NaN or negative.

    """
    if credit_limit is None:
        return None if kind is AccountKind.EXTERNAL else 0
    if credit_limit == math.inf:
        return None
    if math.isnan(credit_limit) or credit_limit < 0:
        raise ValueError(f"credit_limit must be non-negative or math.inf, got {credit_limit}")
    return -to_cents(credit_limit)


def _check_entry(step: int, reason: str, pilot_id: int | None) -> tuple[int, int | None]:
    """Validate a transfer's bookkeeping fields (the slow path of :meth:`Ledger.transfer_cents`).

    Args:
        step: Simulation step of the transfer, in model ticks; a non-negative integer.
        reason: Why the money moves; a non-empty string.
        pilot_id: Id of the pilot the transfer belongs to, or None.

    Returns:
        The step and the pilot id as plain ``int`` (the pilot id None if none).

    Raises:
        ValueError: If the step is negative or not an integer, or the reason is empty.
        TypeError: If the pilot id is not an integer.

    """
    if isinstance(step, bool) or not isinstance(step, numbers.Integral) or step < 0:
        raise ValueError(f"step must be a non-negative integer, got {step!r}")
    if not isinstance(reason, str) or not reason:
        raise ValueError(f"transfer reason must be a non-empty string, got {reason!r}")
    return int(step), None if pilot_id is None else operator.index(pilot_id)


class Ledger:
    """Double-entry ledger of integer-cent accounts and the journal of transfers between them.

    The journal is stored column-wise in Python lists, so appending is cheap and a run with
    hundreds of thousands of transfers stays fast; ``flows`` scans it without pandas. An
    account's kind never changes, so a transfer records its accounts' names only and their kinds
    are read from the accounts when asked for (``flows``, ``to_frame``).
    """

    def __init__(self) -> None:
        self._accounts: dict[str, _Account] = {}
        self._step: list[int] = []
        self._src: list[str] = []
        self._dst: list[str] = []
        self._cents: list[int] = []
        self._reason: list[str] = []
        self._pilot: list[int | None] = []

    def __len__(self) -> int:
        """Return the number of transfers in the journal."""
        return len(self._cents)

    def open(
        self,
        name: str,
        kind: AccountKind | str,
        *,
        credit_limit: float | None = None,
        owner: int | None = None,
    ) -> str:
        """Open an account with a zero balance.

        Args:
            name: Unique account name, e.g. ``"city:3:budget"``.
            kind: What the account belongs to (an ``AccountKind`` or its value).
            credit_limit: How far below zero the balance may go, in currency units; not
                negative, ``math.inf`` for unlimited. None (the default) means unlimited for
                ``EXTERNAL`` accounts and 0 for all others.
            owner: Id of the agent that owns the account (a Mesa ``unique_id``), if any.

        Returns:
            The account name, for chaining.

        Raises:
            ValueError: If the name is empty or already taken, the kind is unknown, or the
                credit limit is invalid.

        """
        if not isinstance(name, str) or not name:
            raise ValueError(f"account name must be a non-empty string, got {name!r}")
        if name in self._accounts:
            raise ValueError(f"account {name!r} already exists")
        account_kind = AccountKind(kind)
        floor = _floor_cents(credit_limit, account_kind)
        owner_id = None if owner is None else operator.index(owner)
        self._accounts[name] = _Account(kind=account_kind, owner=owner_id, floor=floor)
        return name

    def _account(self, name: str) -> _Account:
        """Return an account's state.

        Args:
            name: Account name.

        Returns:
            The account's mutable state.

        Raises:
            KeyError: If there is no such account.

        """
        try:
            return self._accounts[name]
        except KeyError:
            raise KeyError(f"unknown account {name!r}") from None

    def transfer(
        self,
        src: str,
        dst: str,
        amount: float,
        *,
        step: int,
        reason: str,
        pilot_id: int | None = None,
    ) -> int | None:
        """Move money from one account to another and record it in the journal.

        Args:
            src: Name of the paying account.
            dst: Name of the receiving account.
            amount: Money to move, in currency units; finite, not negative, rounded half to
                even to whole cents. An amount that rounds to 0 cents is a no-op.
            step: Simulation step of the transfer, in model ticks (non-negative).
            reason: Why the money moves, e.g. ``"grant"`` or ``"loan_repayment"``; used to
                read metrics off the journal with ``flows``.
            pilot_id: Id of the pilot the transfer belongs to, if any.

        Returns:
            The index of the transfer in the journal, or None if nothing was recorded.

        Raises:
            ValueError: If the amount is NaN, infinite or negative, ``src == dst``, the step is
                invalid, or the reason is empty.
            KeyError: If either account does not exist.
            OverdraftError: If ``src`` would fall below its floor; nothing is changed.

        """
        cents = _amount_cents(amount)
        return self.transfer_cents(src, dst, cents, step=step, reason=reason, pilot_id=pilot_id)

    def transfer_cents(
        self,
        src: str,
        dst: str,
        cents: int,
        *,
        step: int,
        reason: str,
        pilot_id: int | None = None,
    ) -> int | None:
        """Move whole cents from one account to another (:meth:`transfer` without rounding).

        For callers that hold amounts in cents already (and so convert each amount once).

        Args:
            src: Name of the paying account.
            dst: Name of the receiving account.
            cents: Money to move, in cents; a non-negative ``int``; 0 is a no-op.
            step: Simulation step of the transfer, in model ticks (non-negative).
            reason: Why the money moves.
            pilot_id: Id of the pilot the transfer belongs to, if any.

        Returns:
            The index of the transfer in the journal, or None if nothing was recorded.

        Raises:
            ValueError: If ``cents`` is negative or not an integer, or as :meth:`transfer`.
            KeyError: If either account does not exist.
            OverdraftError: If ``src`` would fall below its floor; nothing is changed.
        """
        if type(cents) is not int or cents < 0:
            raise ValueError(f"transfer amount must be a non-negative int of cents, got {cents!r}")
        accounts = self._accounts
        source, target = accounts.get(src), accounts.get(dst)
        if source is None or target is None:
            source, target = self._account(src), self._account(dst)  # raises the KeyError
        if src == dst:
            raise ValueError(f"cannot transfer from account {src!r} to itself")
        if (
            type(step) is not int
            or step < 0
            or type(reason) is not str
            or not reason
            or not (pilot_id is None or type(pilot_id) is int)
        ):
            step, pilot_id = _check_entry(step, reason, pilot_id)
        if cents == 0:
            return None
        if source.floor is not None and source.balance - cents < source.floor:
            raise OverdraftError(
                src, from_cents(source.balance), from_cents(cents), from_cents(source.floor)
            )
        source.balance -= cents
        target.balance += cents
        self._step.append(step)
        self._src.append(src)
        self._dst.append(dst)
        self._cents.append(cents)
        self._reason.append(reason)
        self._pilot.append(pilot_id)
        return len(self._cents) - 1

    def transfer_all(
        self,
        src: str,
        dst: str,
        *,
        step: int,
        reason: str,
        pilot_id: int | None = None,
    ) -> int | None:
        """Move the whole positive balance of ``src`` to ``dst`` (budget lapse, closing a pilot).

        Args:
            src: Name of the account to empty; a zero or negative balance moves nothing.
            dst: Name of the receiving account.
            step: Simulation step of the transfer, in model ticks (non-negative).
            reason: Why the money moves, e.g. ``"budget_lapse"``.
            pilot_id: Id of the pilot the transfer belongs to, if any.

        Returns:
            The index of the transfer in the journal, or None if there was nothing to move.

        Raises:
            ValueError: If ``src == dst``, the step is invalid or the reason is empty.
            KeyError: If either account does not exist.

        """
        cents = max(self._account(src).balance, 0)
        return self.transfer_cents(src, dst, cents, step=step, reason=reason, pilot_id=pilot_id)

    def balance(self, name: str) -> float:
        """Return an account's balance.

        Args:
            name: Account name.

        Returns:
            The balance in currency units (negative only for credit lines).

        Raises:
            KeyError: If there is no such account.

        """
        return self._account(name).balance / CENTS_PER_UNIT

    def balance_cents(self, name: str) -> int:
        """Return an account's exact balance.

        Args:
            name: Account name.

        Returns:
            The balance in cents.

        Raises:
            KeyError: If there is no such account.

        """
        return self._account(name).balance

    def accounts(self, kind: AccountKind | str | None = None) -> list[str]:
        """List account names in the order they were opened.

        Args:
            kind: Only accounts of this kind; None for all.

        Returns:
            The account names.

        """
        if kind is None:
            return list(self._accounts)
        wanted = AccountKind(kind)
        return [name for name, account in self._accounts.items() if account.kind is wanted]

    def balances(self, kind: AccountKind | str | None = None) -> dict[str, float]:
        """Return balances by account name, in the order the accounts were opened.

        Args:
            kind: Only accounts of this kind; None for all.

        Returns:
            A mapping from account name to balance in currency units.

        """
        return {name: self.balance(name) for name in self.accounts(kind)}

    def kind_of(self, name: str) -> AccountKind:
        """Return the kind of an account.

        Args:
            name: Account name.

        Returns:
            The account's kind.

        Raises:
            KeyError: If there is no such account.

        """
        return self._account(name).kind

    def total_cents(self) -> int:
        """Return the sum of all balances in cents, which double entry keeps at exactly 0."""
        return sum(account.balance for account in self._accounts.values())

    def check(self) -> None:
        """Verify the ledger's invariants by replaying the journal.

        Recomputes every balance from the journal and compares it with the running balance,
        so corrupted state is caught as well as breached invariants. Every replayed transfer
        subtracts what it adds, so balances that match the replay also sum to exactly 0.

        Raises:
            LedgerInvariantError: If the journal columns differ in length, a journal entry is
                not a positive amount between known accounts, a replayed balance differs from
                the running one, or an account is below its floor.

        """
        replayed = self._replay()
        for name, account in self._accounts.items():
            if replayed[name] != account.balance:
                raise LedgerInvariantError(
                    f"account {name!r}: running balance {account.balance} cents differs from "
                    f"{replayed[name]} cents replayed from the journal"
                )
            if account.floor is not None and account.balance < account.floor:
                raise LedgerInvariantError(
                    f"account {name!r}: balance {account.balance} cents is below its floor "
                    f"of {account.floor} cents"
                )

    def _replay(self) -> dict[str, int]:
        """Recompute all balances from the journal.

        Returns:
            A mapping from account name to replayed balance in cents.

        Raises:
            LedgerInvariantError: If the journal is malformed.

        """
        columns = (
            self._step,
            self._src,
            self._dst,
            self._cents,
            self._reason,
            self._pilot,
        )
        if len({len(column) for column in columns}) != 1:
            raise LedgerInvariantError("journal columns have different lengths")
        replayed = dict.fromkeys(self._accounts, 0)
        for index, (src, dst, cents) in enumerate(
            zip(self._src, self._dst, self._cents, strict=True)
        ):
            if cents <= 0 or src not in replayed or dst not in replayed:
                raise LedgerInvariantError(
                    f"journal entry {index} is malformed: {src!r} -> {dst!r}, {cents} cents"
                )
            replayed[src] -= cents
            replayed[dst] += cents
        return replayed

    def flows(
        self,
        *,
        reason: str | None = None,
        src_kind: AccountKind | str | None = None,
        dst_kind: AccountKind | str | None = None,
        pilot_id: int | None = None,
        until_step: int | None = None,
    ) -> float:
        """Sum the transfers that match every given filter (None means no filter).

        This is how metrics such as public spend (``src_kind=BUDGET``) or capital mobilised
        (``src_kind=CAPITAL_PROVIDER``) are read off the journal. Runs in O(transfers).

        Args:
            reason: Only transfers with exactly this reason.
            src_kind: Only transfers paid by an account of this kind.
            dst_kind: Only transfers received by an account of this kind.
            pilot_id: Only transfers booked to this pilot.
            until_step: Only transfers at or before this simulation step, in model ticks.

        Returns:
            The total, in currency units (summed exactly in cents, then converted).

        """
        filters = [
            (column, wanted)
            for column, wanted in (
                (self._reason, reason),
                (self._src, None if src_kind is None else AccountKind(src_kind)),
                (self._dst, None if dst_kind is None else AccountKind(dst_kind)),
                (self._pilot, pilot_id),
            )
            if wanted is not None
        ]
        accounts = self._accounts
        rows: range | list[int] = range(len(self._cents))
        if until_step is not None:
            rows = [i for i in rows if self._step[i] <= until_step]
        for column, wanted in filters:
            if isinstance(wanted, AccountKind):  # an account's kind, read from its name
                rows = [i for i in rows if accounts[column[i]].kind is wanted]
            else:
                rows = [i for i in rows if column[i] == wanted]
        return from_cents(sum(self._cents[i] for i in rows))

    def to_frame(self) -> pd.DataFrame:
        """Return the journal as a DataFrame, one row per transfer in the order made.

        Returns:
            Columns ``step`` (int64, model ticks), ``src``, ``dst``, ``src_kind``, ``dst_kind``
            and ``reason`` (strings), ``amount`` (float64, currency units), ``amount_cents``
            (int64, cents) and ``pilot_id`` (nullable Int64, NA where no pilot).

        """
        cents = int_column(self._cents)
        kind = {name: account.kind.value for name, account in self._accounts.items()}
        return pd.DataFrame(
            {
                "step": int_column(self._step),
                "src": str_column(self._src),
                "dst": str_column(self._dst),
                "src_kind": str_column([kind[name] for name in self._src]),
                "dst_kind": str_column([kind[name] for name in self._dst]),
                "amount": cents / CENTS_PER_UNIT,
                "amount_cents": cents,
                "reason": str_column(self._reason),
                "pilot_id": nullable_int_column(self._pilot),
            }
        )

    def accounts_frame(self) -> pd.DataFrame:
        """Return one row per account, in the order opened.

        Returns:
            Columns ``name`` and ``kind`` (strings), ``owner`` (nullable Int64),
            ``credit_limit`` (float64, currency units, ``inf`` for unlimited) and ``balance``
            (float64, currency units).

        """
        accounts = self._accounts.values()
        return pd.DataFrame(
            {
                "name": str_column(list(self._accounts)),
                "kind": str_column([account.kind.value for account in accounts]),
                "owner": nullable_int_column([account.owner for account in accounts]),
                "credit_limit": pd.Series(
                    [math.inf if a.floor is None else from_cents(-a.floor) for a in accounts],
                    dtype="float64",
                ),
                "balance": pd.Series(
                    [from_cents(account.balance) for account in accounts], dtype="float64"
                ),
            }
        )
