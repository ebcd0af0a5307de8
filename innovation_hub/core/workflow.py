"""Declared workflows: a record's states and the transitions between them, in one place.

Each domain declares, once, its states (the staff's words, the member's words, an icon,
whether the state is final) and its transitions (an action, the states it may start from,
the states it may lead to, the roles that may take it). Pages take their labels, icons and
buttons from the declaration, and every status change goes through ``Workflow.move``: one
conditional UPDATE, so of two racing decisions on one record exactly one succeeds, with
the audit entry written in the same transaction.

Roles are account roles ("staff", "admin", "student", …) plus "owner", the record's own
member; "system" is the background jobs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from litestar.exceptions import PermissionDeniedException
from piccolo.table import Table

from innovation_hub.core import audit
from innovation_hub.core.clock import utcnow
from innovation_hub.core.errors import Conflict, RuleBroken
from innovation_hub.core.i18n import gettext

STAFF_ROLES = frozenset({"staff", "admin"})
REGISTRY: dict[str, Workflow] = {}


@dataclass(frozen=True)
class State:
    name: str
    label: str  # as staff read it (a message id, translated when shown)
    icon: str
    member_label: str = ""  # as the member reads it, when it differs
    final: bool = False
    explain: str = ""  # what it means for the member, in a sentence (a message id)


@dataclass(frozen=True)
class StateView:
    """A state in the reader's language: what a badge shows (icon and words, never colour
    alone)."""

    code: str
    text: str
    icon: str
    final: bool


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    # Where it leads; the first is the default. Empty: the status stays (an edit, a note).
    targets: tuple[str, ...] = ()
    roles: frozenset[str] = STAFF_ROLES
    label: str = ""  # the button's words (a message id)
    audit: str = ""  # the audit action's name when it is not the target's or the action's

    def allows(self, roles: Iterable[str]) -> bool:
        return not self.roles.isdisjoint(roles)


# Called after a move, in its transaction: (record, transition, old status, actor, now, detail).
MoveHook = Callable[
    [Any, Transition, str, int | None, datetime, Mapping[str, Any]], Awaitable[None]
]


@dataclass
class Workflow:
    name: str  # also the audit's record type and the prefix of its actions
    table: type[Table]
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    conflict_message: str  # a message id: someone else changed the record first
    conflict_code: str = "changed_meanwhile"
    # The audit action names the new status ("booking.cancelled") or the action taken;
    # "none" where the domain writes a richer entry of its own in the same transaction.
    audit_by: str = "target"
    on_move: MoveHook | None = None
    _states: dict[str, State] = field(init=False, repr=False)
    _transitions: dict[str, Transition] = field(init=False, repr=False)
    _columns: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._states = {state.name: state for state in self.states}
        self._transitions = {t.action: t for t in self.transitions}
        self._columns = frozenset(c._meta.name for c in self.table._meta.columns)
        for t in self.transitions:
            unknown = set(t.sources) | set(t.targets)
            unknown -= self._states.keys()
            if unknown:
                raise ValueError(f"{self.name}.{t.action} names unknown states {unknown}")
        REGISTRY[self.name] = self

    # -- reading the declaration ------------------------------------------------------------

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self._states)

    @property
    def final_statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.final)

    @property
    def open_statuses(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if not s.final)

    def state(self, status: str) -> State:
        return self._states.get(status) or State(status, status, "•")

    def label(self, status: str, *, member: bool = False) -> str:
        state = self.state(status)
        return gettext((member and state.member_label) or state.label)

    def explain(self, status: str) -> str:
        words = self.state(status).explain
        return gettext(words) if words else ""

    def icon(self, status: str) -> str:
        return self.state(status).icon

    def view(self, status: str, *, member: bool = False) -> StateView:
        state = self.state(status)
        return StateView(status, self.label(status, member=member), state.icon, state.final)

    def is_final(self, status: str) -> bool:
        return self.state(status).final

    def transition(self, action: str) -> Transition:
        return self._transitions[action]

    def can(self, action: str, status: str, roles: Iterable[str] | None = None) -> bool:
        t = self._transitions[action]
        return status in t.sources and (roles is None or t.allows(roles))

    def sources(self, action: str) -> tuple[str, ...]:
        return self._transitions[action].sources

    def actions_for(self, status: str, roles: Iterable[str]) -> list[Transition]:
        """The buttons a user with ``roles`` may press on a record in ``status``."""
        held = frozenset(roles)
        return [t for t in self.transitions if status in t.sources and t.allows(held)]

    def require(self, action: str, status: str, *, member: bool = False) -> None:
        """Refuses (422 ``wrong_status``) an action the record's status does not allow."""
        if status not in self._transitions[action].sources:
            raise RuleBroken(
                gettext(
                    "This cannot be done while the status is “%(status)s”.",
                    status=self.label(status, member=member),
                ),
                code="wrong_status",
                extra={"current_status": status},
            )

    # -- changing a record ------------------------------------------------------------------

    async def move(
        self,
        record: Table,
        action: str,
        *,
        actor_id: int | None,
        to: str | None = None,
        values: Mapping[Any, Any] | None = None,
        detail: Mapping[str, Any] | None = None,
        roles: Iterable[str] | None = None,
        now: datetime | None = None,
        where: Any = None,
    ) -> bool:
        """Applies ``action`` to ``record`` as it was read: one UPDATE guarded by the status
        read and the action's sources. False, with nothing written, when another request
        moved the record first. ``where`` adds a condition the row must still meet (a job's
        selection: a booking moved meanwhile is no longer due). Call it inside the
        transaction that makes the change."""
        t = self._transitions[action]
        if roles is not None and not t.allows(roles):
            raise PermissionDeniedException(gettext("You may not do this."))
        target = self._target(t, record.status, to)  # type: ignore[attr-defined]
        now = now or utcnow()
        changes = self._changes(target, now, values or {})
        table = self.table
        returning = [table._meta.primary_key]
        sequence = table._meta.get_column_by_name("sequence") if self._has("sequence") else None
        if sequence is not None:
            returning.append(sequence)
        guard = (
            (table._meta.primary_key == record.id)  # type: ignore[attr-defined]
            & (table.status == record.status)  # type: ignore[attr-defined]
            & table.status.is_in(list(t.sources))  # type: ignore[attr-defined]
        )
        rows = (
            await table.update(changes)
            .where(guard if where is None else guard & where)
            .returning(*returning)
            .run()
        )
        if not rows:
            return False
        before = record.status  # type: ignore[attr-defined]
        for column, value in changes.items():
            if column._meta.name != "sequence":
                setattr(record, column._meta.name, value)
        if sequence is not None:
            record.sequence = rows[0]["sequence"]  # type: ignore[attr-defined]
        if self.audit_by != "none":
            named = t.audit or (target if self.audit_by == "target" else action)
            await audit.record(
                actor_id=actor_id,
                action=f"{self.name}.{named}",
                record_type=self.name,
                record_id=record.id,  # type: ignore[attr-defined]
                detail={"from": before, "to": target, **(detail or {})},
            )
        if self.on_move is not None:
            await self.on_move(record, t, before, actor_id, now, detail or {})
        return True

    async def apply(self, record: Table, action: str, **options: Any) -> None:
        """``move``, or 409 (``conflict_code``) when someone else moved the record first."""
        if not await self.move(record, action, **options):
            raise Conflict(gettext(self.conflict_message), code=self.conflict_code)

    def _target(self, t: Transition, status: str, to: str | None) -> str:
        if to is None:
            return t.targets[0] if t.targets else status
        if t.targets and to not in t.targets:
            raise ValueError(f"{self.name}.{t.action} cannot lead to {to!r}")
        return to

    def _has(self, column: str) -> bool:
        return column in self._columns

    def _changes(self, target: str, now: datetime, values: Mapping[Any, Any]) -> dict[Any, Any]:
        table = self.table
        changes: dict[Any, Any] = {table.status: target}  # type: ignore[attr-defined]
        if self._has("updated_at"):
            changes[table._meta.get_column_by_name("updated_at")] = now
        if self._has("sequence"):
            sequence: Any = table._meta.get_column_by_name("sequence")
            changes[sequence] = sequence + 1  # the calendar feeds' SEQUENCE
        for key, value in values.items():
            column = table._meta.get_column_by_name(key) if isinstance(key, str) else key
            changes[column] = value
        return changes


def state_view(workflow: str, status: str, member: bool = False) -> StateView:
    """For templates: ``status_view("booking", b.status)``."""
    return REGISTRY[workflow].view(status, member=member)
