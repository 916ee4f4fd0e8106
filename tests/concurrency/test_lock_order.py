"""One lock order for everything that moves applications (DESIGN "Safety", issue 11 item 1).

Each test runs two services at the same moment, from two threads with a database connection
each, many times and in both start orders: the first runs inside a transaction it keeps open
until the second is seen waiting for a lock (or a moment has passed), so the two really overlap.
After every trial the invariant holds: no application is selected, reserve or advanced while
withdrawn, and every freed seat is filled by the next reserve exactly once. The run's summary lists
each test's trial count (conftest.py). MATCHDAY_RACE_TRIALS sets the trials per test (30).
"""

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.models import AuditEvent
from matching.models import EvaluationRound, Program, SelectionEntry
from matching.services.selection import reserve_promote, results_publish, selection_finalise
from notifications.models import Notification
from startups.models import Application, StartupMember
from startups.services import application_submit, application_withdraw, application_withdraw_by_applicant
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TRIALS = int(os.environ.get("MATCHDAY_RACE_TRIALS", "30"))
QUOTA, RESERVE = 3, 2
PATIENCE = 0.5  # seconds the first service keeps its transaction open if the second never waits

R = EvaluationRound.Status
A = Application.Status
O = SelectionEntry.Outcome  # noqa: E741
E = Notification.Event
ORDERS = ["withdraw first", "withdraw second"]


# --- running two services at once --------------------------------------------------------------------


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def overlap(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """Run `first` in a thread and keep its transaction open; then start `second` in another thread
    and let `first` commit once `second` waits for a lock (or after PATIENCE). Returns what each
    returned, or the exception it raised."""
    outcomes: dict[str, Any] = {}
    first_done, second_started, let_first_commit = threading.Event(), threading.Event(), threading.Event()
    second_pid: list[int] = []

    def run_first():
        try:
            with transaction.atomic():
                outcomes["first"] = first()
                first_done.set()
                let_first_commit.wait(timeout=10)
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            outcomes["first"] = error
        finally:
            first_done.set()
            connections.close_all()

    def run_second():
        try:
            second_pid.append(_backend_pid())
            second_started.set()
            outcomes["second"] = second()
        except Exception as error:  # noqa: BLE001 - an outcome like any other
            outcomes["second"] = error
        finally:
            second_started.set()
            connections.close_all()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    threads[0].start()
    first_done.wait(timeout=10)
    threads[1].start()
    second_started.wait(timeout=10)
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline and threads[1].is_alive():
        if second_pid and _waits_for_a_lock(second_pid[0]):
            break
        time.sleep(0.005)
    let_first_commit.set()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes.get("first"), outcomes.get("second")


def in_order(order: str, withdraw: Callable[[], Any], other: Callable[[], Any]) -> tuple[Any, Any]:
    """(what the withdrawal returned, what the other service returned), started in `order`."""
    if order == "withdraw first":
        return overlap(withdraw, other)
    other_outcome, withdraw_outcome = overlap(other, withdraw)
    return withdraw_outcome, other_outcome


# --- programs and what must hold in them ---------------------------------------------------------------


@transaction.atomic  # one commit for the whole setup, not one per row
def program_with_round(outcomes: str, *, last: bool, status=A.IN_REVIEW) -> tuple[Program, list[Application]]:
    """A program (quota 3, reserve 2) whose round has computed results, one letter per application in
    rank order ("a" advances, "n" does not). With `last` it is the last round after a published
    first one; otherwise a later round follows. Only the startup ranked first (the one that leaves)
    has an active member: fewer notices to deliver keeps the trials quick."""
    program = factories.ProgramFactory(reviewing=True, quota=QUOTA, reserve_size=RESERVE)
    if last:
        factories.EvaluationRoundFactory(program=program, order=1, status=R.PUBLISHED)
        evaluation_round = factories.EvaluationRoundFactory(program=program, order=2, status=R.PUBLISHED)
    else:
        evaluation_round = factories.EvaluationRoundFactory(program=program, order=1, status=R.RESULTS_COMPUTED)
        factories.EvaluationRoundFactory(program=program, order=2, status=R.SETUP)
    applications = []
    for rank, letter in enumerate(outcomes, 1):
        application = factories.ApplicationFactory(in_review=True, program=program)
        if status != A.IN_REVIEW:
            Application.objects.filter(pk=application.pk).update(status=status)
        if rank == 1:
            factories.StartupMemberFactory(startup=application.startup)
        factories.RoundResultFactory(round=evaluation_round, application=application, rank=rank, advanced=letter == "a")
        applications.append(application)
    return program, applications


def finalised_program() -> tuple[Program, list[Application]]:
    """Seven finalists in rank order: three selected, two in reserve, two not selected."""
    program, applications = program_with_round("aaaaaaa", last=True, status=A.ADVANCED)
    selection_finalise(program=program, by="staff")
    return program, applications


def founder_of(application: Application):
    return application.startup.members.get(status=StartupMember.Status.ACTIVE).user


def audit_data(verb: str, **filters) -> list[dict]:
    return list(AuditEvent.objects.filter(verb=verb, **filters).values_list("data", flat=True))


def violations(program: Program, *, added_seats: int = 0) -> list[str]:
    """What breaks "no application is selected, reserve or advanced while withdrawn; every freed seat is
    filled by the next reserve exactly once" in `program` (the reserve suffices in these tests); empty
    when it holds. `added_seats`: seats staff added by promoting a reserve with every seat taken."""
    found = []
    applications = {a.pk: a for a in Application.objects.filter(program=program)}
    for application in applications.values():
        if (application.withdrawn_at is not None) != (application.status == A.WITHDRAWN):
            found.append(
                f"application {application.pk} is {application.status}, withdrawn_at {application.withdrawn_at}"
            )
    if program.status != Program.Status.FINALISED:
        return found
    entries = list(SelectionEntry.objects.filter(program=program))
    for entry in entries:
        status = applications[entry.application_id].status
        expected = {O.SELECTED: {A.SELECTED}, O.RESERVE: {A.RESERVE}}.get(entry.outcome, {A.NOT_SELECTED, A.WITHDRAWN})
        if status not in expected:
            found.append(f"entry {entry.outcome} {entry.position} belongs to a {status} application")
    seats = sorted(e.position for e in entries if e.outcome == O.SELECTED)
    reserve = sorted(e.position for e in entries if e.outcome == O.RESERVE)
    if seats != list(range(1, QUOTA + added_seats + 1)):
        found.append(f"selected positions {seats}, not 1..{QUOTA + added_seats}")
    if reserve != list(range(1, len(reserve) + 1)):
        found.append(f"reserve positions {reserve} have a gap or a duplicate")
    on_entries = {"object_id__in": [str(e.pk) for e in entries]}
    to_fill = added_seats + sum(
        1
        for event in AuditEvent.objects.filter(verb="withdrawn_from_selection", **on_entries)
        if event.from_state == O.SELECTED
    )
    promotions = audit_data("reserve_promoted", **on_entries)
    promoted = [data["application_id"] for data in promotions]
    if len(promoted) != len(set(promoted)):
        found.append(f"an application was promoted twice: {promoted}")
    if any(data["reserve_position"] != 1 for data in promotions):
        found.append(f"a reserve behind the first was promoted: {promotions}")
    if len(promoted) != to_fill:
        found.append(f"{to_fill} seats freed or added, {len(promoted)} promotions")
    return found


def run_trials(label: str, trial: Callable[[int], list[str]], report_to: Callable[[str], None]) -> None:
    """Run `trial` TRIALS times (it returns what went wrong in that trial) and report the count."""
    failed = {}
    started = time.monotonic()
    for number in range(TRIALS):
        problems = trial(number)
        if problems:
            failed[number] = problems
    seconds = time.monotonic() - started
    report = f"{label}: {TRIALS} trials in {seconds:.1f} s"
    if failed:
        report_to(f"{report}, the invariant broke in {len(failed)}")
    assert not failed, f"{report}; the invariant broke in {len(failed)}: " + "; ".join(
        f"#{n}: {', '.join(p)}" for n, p in list(failed.items())[:5]
    )
    report_to(f"{report}, the invariant held in every one")


def refused(outcome: Any) -> str:
    """What a service outcome says went wrong ('' when it succeeded)."""
    return f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, Exception) else ""


# --- the races ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_a_founder_withdrawing_while_staff_finalise_is_never_selected_and_the_seat_is_refilled(order, race_report):
    def trial(number: int) -> list[str]:
        program, applications = program_with_round("aaaaaaa", last=True, status=A.ADVANCED)
        leaving = applications[0]  # ranked first: would be selected
        withdrawal, finalising = in_order(
            order,
            lambda: application_withdraw_by_applicant(application=leaving, by=founder_of(leaving), reason="포기"),
            lambda: selection_finalise(program=program, by="staff"),
        )
        problems = [p for p in (refused(withdrawal), refused(finalising)) if p]
        program.refresh_from_db()
        problems += violations(program)
        leaving.refresh_from_db()
        if leaving.status != A.WITHDRAWN:
            problems.append(f"the founder's application is {leaving.status}")
        seated = set(
            SelectionEntry.objects.filter(program=program, outcome=O.SELECTED).values_list("application_id", flat=True)
        )
        first_reserve = SelectionEntry.objects.filter(program=program, outcome=O.RESERVE, position=1).first()
        if (
            seated != {a.pk for a in applications[1:4]}
            or getattr(first_reserve, "application_id", None) != applications[4].pk
        ):
            problems.append(f"seated {sorted(seated)}, first reserve {first_reserve}: not the next in rank order")
        return problems

    run_trials(f"finalise ∥ withdraw ({order})", trial, race_report)


@pytest.mark.parametrize("order", ORDERS)
def test_a_founder_withdrawing_while_staff_publish_a_round_never_ends_advanced(order, race_report):
    def trial(number: int) -> list[str]:
        program, applications = program_with_round("aanann", last=False)
        leaving = applications[0]  # advances in this round
        withdrawal, publishing = in_order(
            order,
            lambda: application_withdraw_by_applicant(application=leaving, by=founder_of(leaving), reason="포기"),
            lambda: results_publish(round=EvaluationRound.objects.get(program=program, order=1), by="staff"),
        )
        problems = [p for p in (refused(withdrawal), refused(publishing)) if p]
        problems += violations(program)
        statuses = list(
            Application.objects.filter(pk__in=[a.pk for a in applications])
            .order_by("pk")
            .values_list("status", flat=True)
        )
        expected = [A.WITHDRAWN, A.ADVANCED, A.NOT_SELECTED, A.ADVANCED, A.NOT_SELECTED, A.NOT_SELECTED]
        if statuses != expected:
            problems.append(f"statuses {statuses}")
        notified = Notification.objects.filter(event=E.ROUND_RESULT, object_id=str(leaving.pk)).exists()
        if order == "withdraw first" and notified:
            problems.append("the withdrawn startup was told its round result")
        return problems

    run_trials(f"publish ∥ withdraw ({order})", trial, race_report)


@pytest.mark.parametrize("order", ["two staff promotions", "staff promotion first", "withdrawal's promotion first"])
def test_two_promotions_at_once_seat_the_reserves_in_order_each_once(order, race_report):
    """Staff promoting a reserve into an added seat while another promotion runs: that of a second
    staff member, or that of a selected startup's withdrawal (which frees seat 1)."""

    def trial(number: int) -> list[str]:
        program, applications = finalised_program()
        reserves = applications[3:5]

        def staff_promotion():
            return reserve_promote(program=program, by="staff", reason="a seat was added").application_id

        def withdrawal():
            return application_withdraw(application=applications[0], by="staff", reason="참여 포기").status

        if order == "two staff promotions":
            outcomes = overlap(staff_promotion, staff_promotion)
            expected_seats = {reserves[0].pk: 4, reserves[1].pk: 5}
        elif order == "staff promotion first":
            outcomes = overlap(staff_promotion, withdrawal)
            expected_seats = {reserves[0].pk: 4, reserves[1].pk: 1}
        else:
            outcomes = overlap(withdrawal, staff_promotion)
            expected_seats = {reserves[0].pk: 1, reserves[1].pk: 4}
        problems = [p for p in map(refused, outcomes) if p]
        added = 2 if order == "two staff promotions" else 1
        problems += violations(program, added_seats=added)
        seats = dict(SelectionEntry.objects.filter(application__in=reserves).values_list("application_id", "position"))
        if seats != expected_seats:
            problems.append(f"reserves seated at {seats}, expected {expected_seats}")
        return problems

    run_trials(f"promote ∥ promote ({order})", trial, race_report)


@pytest.mark.parametrize("order", ["selected first", "reserve first"])
def test_a_selected_startup_and_the_first_reserve_withdrawing_at_once_leave_the_seat_to_the_second_reserve(
    order, race_report
):
    def trial(number: int) -> list[str]:
        program, applications = finalised_program()
        selected, reserve1, reserve2 = applications[0], applications[3], applications[4]

        def withdraw(application):
            return lambda: application_withdraw(application=application, by="staff", reason="참여 포기")

        pair = (withdraw(selected), withdraw(reserve1))
        outcomes = overlap(*pair) if order == "selected first" else overlap(*reversed(pair))
        problems = [p for p in map(refused, outcomes) if p]
        program.refresh_from_db()
        problems += violations(program)
        seated = set(
            SelectionEntry.objects.filter(program=program, outcome=O.SELECTED).values_list("application_id", flat=True)
        )
        if seated != {applications[1].pk, applications[2].pk, reserve2.pk}:
            problems.append(f"seated {sorted(seated)}")
        return problems

    run_trials(f"withdraw ∥ withdraw ({order})", trial, race_report)


# --- a writer outside the lock order is not overwritten -------------------------------------------------


def _withdraw_without_the_program_lock(application: Application) -> None:
    # Not a service: a change that skips the program lock, as a bug or a hand-written SQL fix would.
    Application.objects.select_for_update().get(pk=application.pk)
    Application.objects.filter(pk=application.pk).update(status=A.WITHDRAWN, withdrawn_at=timezone.now())


def test_finalising_leaves_out_and_reports_an_application_whose_status_changed_under_it():
    program, applications = program_with_round("aaaaaaa", last=True, status=A.ADVANCED)
    leaving = applications[0]

    overlap(
        lambda: _withdraw_without_the_program_lock(leaving), lambda: selection_finalise(program=program, by="staff")
    )

    program.refresh_from_db()
    assert violations(program) == []
    [data] = audit_data("status_changed", to_state=Program.Status.FINALISED)
    assert data["skipped"] == [{"application_id": leaving.pk, "expected": A.ADVANCED, "found": A.WITHDRAWN}]
    assert not SelectionEntry.objects.filter(application=leaving).exists()


def test_publishing_leaves_out_and_reports_an_application_whose_status_changed_under_it():
    program, applications = program_with_round("aanann", last=False)
    leaving = applications[0]
    evaluation_round = EvaluationRound.objects.get(program=program, order=1)

    overlap(
        lambda: _withdraw_without_the_program_lock(leaving), lambda: results_publish(round=evaluation_round, by="staff")
    )

    leaving.refresh_from_db()
    assert leaving.status == A.WITHDRAWN
    [data] = audit_data("status_changed", to_state=R.PUBLISHED)
    assert data["skipped"] == [{"application_id": leaving.pk, "expected": A.IN_REVIEW, "found": A.WITHDRAWN}]
    assert not Notification.objects.filter(event=E.ROUND_RESULT, object_id=str(leaving.pk)).exists()


# --- submission: the program row first too, shared among submissions ----------------------------------


def test_a_founder_submitting_and_withdrawing_at_the_same_moment_never_deadlocks(race_report):
    """Two tabs, one submitting and one withdrawing, released together: the withdrawal (program, then
    application) and the submission (program shared, then application, then the receipt counter on the
    program) take their locks in one order, so one waits for the other and neither is aborted."""
    from tests.startups.test_application_submit import complete_draft

    def trial(number: int) -> list[str]:
        with transaction.atomic():
            application, founder = complete_draft(program=factories.ProgramFactory(open=True))
        barrier = threading.Barrier(2)
        outcomes: dict[str, Any] = {}

        def run(name, service):
            try:
                barrier.wait(timeout=10)
                time.sleep(0.001 * (number % 5) if name == "submit" else 0.001 * (number % 3))
                outcomes[name] = service()
            except Exception as error:  # noqa: BLE001 - an outcome like any other
                outcomes[name] = error
            finally:
                connections.close_all()

        threads = [
            threading.Thread(
                target=run, args=("submit", lambda: application_submit(application_id=application.pk, by=founder))
            ),
            threading.Thread(
                target=run,
                args=("withdraw", lambda: application_withdraw_by_applicant(application=application, by=founder)),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        problems = [refused(outcomes["withdraw"])] if isinstance(outcomes["withdraw"], Exception) else []
        submitted = outcomes["submit"]
        if isinstance(submitted, Exception) and getattr(submitted, "code", None) != "not_editable":
            problems.append(refused(submitted))
        application.refresh_from_db()
        if application.status != A.WITHDRAWN or application.withdrawn_at is None:
            problems.append(f"the application is {application.status}")
        if bool(application.receipt_number) == isinstance(submitted, Exception):
            problems.append(f"receipt {application.receipt_number!r} after {submitted!r}")
        return problems

    run_trials("submit ∥ withdraw (released together)", trial, race_report)
