"""The matching service: inputs from rankings and rounds, runs as jobs, pins and conflicts, publishing."""

from __future__ import annotations

import pytest
from django.utils import translation

from audit.models import AuditEvent
from core.errors import DomainError
from jobs.models import Job
from matching.models import (
    MatchingConstraint,
    MatchingRun,
    PartnerRanking,
    PartnerRankingEntry,
    Program,
    SelectionEntry,
)
from matching.reasons import matching_reason_text, names_and, with_particle
from matching.services.matching import (
    matching_constraint_remove,
    matching_constraint_set,
    matching_inputs,
    matching_publish,
    matching_run,
    matching_run_start,
)
from notifications.models import Notification, WebhookDelivery
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


class World:
    """A finalised program with partners (seats) and selected startups, each with active members."""

    def __init__(self, *, seats: dict[str, int], startups: int) -> None:
        self.program = factories.ProgramFactory(status=Program.Status.FINALISED)
        self.partners = {}
        for name, count in seats.items():
            partner = factories.PartnerFactory(name=name)
            factories.ProgramPartnerFactory(program=self.program, partner=partner, seats=count)
            self.partners[name] = partner
        self.apps = []
        for i in range(startups):
            application = factories.ApplicationFactory(
                program=self.program, in_review=True, status=Application.Status.SELECTED
            )
            factories.SelectionEntryFactory(program=self.program, application=application, position=i + 1)
            factories.StartupMemberFactory(startup=application.startup)
            self.apps.append(application)

    def prefer(self, index: int, *names: str) -> None:
        for rank, name in enumerate(names, 1):
            factories.PartnerPreferenceFactory(application=self.apps[index], partner=self.partners[name], rank=rank)

    def rank(self, name: str, *indexes: int, not_interested=(), submitted=True) -> PartnerRanking:
        ranking = PartnerRanking.objects.create(
            program=self.program,
            partner=self.partners[name],
            status=PartnerRanking.Status.SUBMITTED if submitted else PartnerRanking.Status.DRAFT,
        )
        for rank, index in enumerate(indexes, 1):
            PartnerRankingEntry.objects.create(ranking=ranking, application=self.apps[index], rank=rank)
        for index in not_interested:
            PartnerRankingEntry.objects.create(ranking=ranking, application=self.apps[index], not_interested=True)
        return ranking

    def pid(self, name: str) -> int:
        return self.partners[name].pk

    def aid(self, index: int) -> int:
        return self.apps[index].pk


@pytest.fixture
def staff(db):
    return factories.UserFactory(staff=True)


@pytest.fixture
def contest() -> World:
    """Three startups want A first; A has one seat and prefers startup 2; B takes the rest."""
    w = World(seats={"A": 1, "B": 1}, startups=3)
    for i in range(3):
        w.prefer(i, "A", "B")
    w.rank("A", 2, 0, 1)
    w.rank("B", 0, 1, 2)
    return w


def test_inputs_come_from_the_startups_preferences_and_the_partners_submitted_rankings(contest):
    w = contest

    inputs = matching_inputs(program=w.program)

    assert inputs["startups"] == {str(w.aid(i)): [w.pid("A"), w.pid("B")] for i in range(3)}
    assert inputs["partners"] == {
        str(w.pid("A")): [w.aid(2), w.aid(0), w.aid(1)],
        str(w.pid("B")): [w.aid(0), w.aid(1), w.aid(2)],
    }
    assert inputs["seats"] == {str(w.pid("A")): 1, str(w.pid("B")): 1}
    assert len(inputs["fingerprint"]) == 64


def test_not_interested_unranked_and_draft_rankings_make_startups_unacceptable():
    w = World(seats={"A": 2, "B": 2}, startups=3)
    w.rank("A", 1, not_interested=[0])  # startup 2 left unranked
    w.rank("B", 0, 1, 2, submitted=False)

    inputs = matching_inputs(program=w.program)

    assert inputs["partners"] == {str(w.pid("A")): [w.aid(1)], str(w.pid("B")): []}
    assert inputs["sources"][str(w.pid("B"))] == {"kind": "none"}


def test_a_partner_ranking_by_a_round_takes_that_rounds_results_in_rank_order():
    w = World(seats={"A": 2}, startups=3)
    panel = factories.EvaluationRoundFactory(program=w.program)
    for rank, index in ((1, 1), (2, 2), (3, 0)):
        factories.RoundResultFactory(round=panel, application=w.apps[index], rank=rank)
    w.program.partnerships.update(ranking_round=panel)

    inputs = matching_inputs(program=w.program)

    assert inputs["partners"] == {str(w.pid("A")): [w.aid(1), w.aid(2), w.aid(0)]}
    assert inputs["sources"][str(w.pid("A"))] == {"kind": "round", "round_id": panel.pk}


def test_only_the_selected_startups_are_matched():
    w = World(seats={"A": 2}, startups=2)
    SelectionEntry.objects.filter(application=w.apps[1]).update(outcome=SelectionEntry.Outcome.RESERVE)

    assert list(matching_inputs(program=w.program)["startups"]) == [str(w.aid(0))]


def test_a_run_is_the_startup_optimal_stable_matching_with_reasons(contest, staff):
    w = contest

    run = matching_run(program_id=w.program.pk, by=staff)

    assert run.assignment == {str(w.aid(2)): w.pid("A"), str(w.aid(0)): w.pid("B")}
    assert run.unmatched == {
        str(w.aid(1)): {"code": "seats_filled_by_preferred", "partners": [w.pid("A"), w.pid("B")], "no_seats": []}
    }
    assert run.blocking_pairs == []
    assert run.seats == {str(w.pid("A")): [1, 1], str(w.pid("B")): [1, 1]}
    assert AuditEvent.objects.filter(verb="matching_run", object_id=str(run.pk)).exists()


def test_running_again_with_the_same_inputs_gives_the_same_run(contest, staff):
    first = matching_run(program_id=contest.program.pk, by=staff)

    second = matching_run(program_id=contest.program.pk, by=staff)

    assert second.pk == first.pk
    assert MatchingRun.objects.count() == 1


def test_the_same_inputs_give_the_same_matching_and_fingerprint(contest, staff):
    first = matching_run(program_id=contest.program.pk, by=staff)
    MatchingRun.objects.all().delete()

    second = matching_run(program_id=contest.program.pk, by=staff)

    assert (second.assignment, second.unmatched, second.fingerprint) == (
        first.assignment,
        first.unmatched,
        first.fingerprint,
    )


def test_a_forbidden_pair_is_never_matched_and_named_in_the_reason(contest, staff):
    w = contest
    matching_constraint_set(
        program=w.program,
        application=w.apps[2],
        partner=w.partners["A"],
        kind="forbidden",
        reason="투자 관계",
        by=staff,
    )

    run = matching_run(program_id=w.program.pk, by=staff)

    assert run.assignment.get(str(w.aid(2))) != w.pid("A")
    assert run.assignment[str(w.aid(0))] == w.pid("A")


def test_a_pinned_pair_is_matched_whatever_the_preferences(contest, staff):
    w = contest
    matching_constraint_set(
        program=w.program, application=w.apps[1], partner=w.partners["A"], kind="pinned", reason="협약", by=staff
    )

    run = matching_run(program_id=w.program.pk, by=staff)

    assert run.assignment[str(w.aid(1))] == w.pid("A")
    assert run.inputs["pinned"] == [[w.aid(1), w.pid("A")]]


def test_a_pin_beyond_the_partners_seats_is_refused_with_a_clear_message(contest, staff):
    w = contest
    matching_constraint_set(
        program=w.program, application=w.apps[1], partner=w.partners["A"], kind="pinned", reason="협약", by=staff
    )

    with translation.override("en"), pytest.raises(DomainError) as refused:
        matching_constraint_set(
            program=w.program, application=w.apps[0], partner=w.partners["A"], kind="pinned", reason="x", by=staff
        )

    assert refused.value.code == "pins_exceed_seats"
    assert "A has 1 seat" in refused.value.message
    assert MatchingConstraint.objects.count() == 1


def test_a_constraint_on_a_startup_that_is_not_selected_is_refused(contest, staff):
    outsider = factories.ApplicationFactory(program=contest.program, in_review=True)

    with pytest.raises(DomainError) as refused:
        matching_constraint_set(
            program=contest.program,
            application=outsider,
            partner=contest.partners["A"],
            kind="forbidden",
            reason="x",
            by=staff,
        )

    assert refused.value.code == "not_selected"


def test_removing_a_constraint_lets_the_next_run_ignore_it(contest, staff):
    w = contest
    constraint = matching_constraint_set(
        program=w.program, application=w.apps[1], partner=w.partners["A"], kind="pinned", reason="협약", by=staff
    )

    matching_constraint_remove(constraint=constraint, by=staff)

    assert matching_inputs(program=w.program)["pinned"] == []
    assert AuditEvent.objects.filter(verb="matching_constraint_removed").count() == 1


def test_starting_a_run_refuses_a_program_not_finalised(staff):
    w = World(seats={"A": 1}, startups=1)
    Program.objects.filter(pk=w.program.pk).update(status=Program.Status.REVIEWING)
    w.program.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        matching_run_start(program=w.program, by=staff)

    assert refused.value.code == "selection_not_final"
    assert not Job.objects.exists()


def test_starting_a_run_refuses_a_program_without_selected_startups_or_partners(staff):
    empty = World(seats={"A": 1}, startups=0)
    alone = World(seats={}, startups=1)

    with pytest.raises(DomainError) as no_startups:
        matching_run_start(program=empty.program, by=staff)
    with pytest.raises(DomainError) as no_partners:
        matching_run_start(program=alone.program, by=staff)

    assert (no_startups.value.code, no_partners.value.code) == ("no_selected_startups", "no_partners")


def test_the_job_stores_a_run_linked_to_it(contest, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = matching_run_start(program=contest.program, by=staff)

    job.refresh_from_db()
    run = MatchingRun.objects.get()
    assert (job.status, job.result["run_id"], run.job_id) == (Job.Status.SUCCEEDED, run.pk, job.pk)


def _publish(run, staff, capture):
    with capture(execute=True):
        return matching_publish(run=run, by=staff, reason="매칭 위원회 확정")


def test_publishing_sets_each_selected_startups_partner(contest, staff, django_capture_on_commit_callbacks):
    w = contest
    run = matching_run(program_id=w.program.pk, by=staff)

    _publish(run, staff, django_capture_on_commit_callbacks)

    partners = dict(SelectionEntry.objects.values_list("application_id", "partner_id"))
    assert partners == {w.aid(0): w.pid("B"), w.aid(1): None, w.aid(2): w.pid("A")}
    run.refresh_from_db()
    assert run.published_at is not None
    assert AuditEvent.objects.get(verb="matching_published").reason == "매칭 위원회 확정"


def test_publishing_notifies_every_startup_and_partner_member_once(contest, staff, django_capture_on_commit_callbacks):
    w = contest
    for name in ("A", "B"):
        factories.PartnerMembershipFactory(partner=w.partners[name])
    run = matching_run(program_id=w.program.pk, by=staff)
    _publish(run, staff, django_capture_on_commit_callbacks)
    rows = set(Notification.objects.values_list("idempotency_key", flat=True))

    with pytest.raises(DomainError) as again:
        _publish(run, staff, django_capture_on_commit_callbacks)
    matching_run(program_id=w.program.pk, by=staff)

    assert again.value.code == "already_published"
    assert len(rows) == 3 + 2
    assert set(Notification.objects.values_list("idempotency_key", flat=True)) == rows
    assert Notification.objects.filter(event="matching.published").count() == 5


def test_a_run_whose_inputs_changed_is_refused_as_stale(contest, staff, django_capture_on_commit_callbacks):
    w = contest
    run = matching_run(program_id=w.program.pk, by=staff)
    PartnerRankingEntry.objects.filter(ranking__partner=w.partners["A"], application=w.apps[1]).delete()

    with pytest.raises(DomainError) as refused:
        _publish(run, staff, django_capture_on_commit_callbacks)

    assert refused.value.code == "matching_stale"
    assert not SelectionEntry.objects.filter(partner__isnull=False).exists()
    assert not Notification.objects.exists()


def test_publishing_emits_the_matching_published_webhook(contest, staff, django_capture_on_commit_callbacks):
    factories.WebhookSubscriptionFactory(user=staff, events=["matching.published"])
    run = matching_run(program_id=contest.program.pk, by=staff)

    _publish(run, staff, django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.payload["data"]["run_id"]) == ("matching.published", run.pk)


def test_a_later_publication_tells_only_the_startups_whose_partner_changed(
    contest, staff, django_capture_on_commit_callbacks
):
    w = contest
    first = matching_run(program_id=w.program.pk, by=staff)
    _publish(first, staff, django_capture_on_commit_callbacks)
    matching_constraint_set(
        program=w.program, application=w.apps[1], partner=w.partners["B"], kind="pinned", reason="협약", by=staff
    )
    second = matching_run(program_id=w.program.pk, by=staff)
    before = Notification.objects.count()

    _publish(second, staff, django_capture_on_commit_callbacks)

    told = set(
        Notification.objects.filter(idempotency_key__endswith=f"matching-run-{second.pk}").values_list(
            "object_id", flat=True
        )
    )
    assert second.assignment[str(w.aid(1))] == w.pid("B")
    assert told == {str(w.aid(0)), str(w.aid(1))}  # 0 lost B, 1 gained it; 2 keeps A
    assert Notification.objects.count() == before + 2


def test_the_matching_job_queries_do_not_grow_with_the_startups(staff, django_assert_num_queries):
    def world(startups: int) -> World:
        w = World(seats={"A": 2, "B": 3}, startups=startups)
        for i in range(startups):
            w.prefer(i, "A", "B")
        w.rank("A", *range(startups))
        w.rank("B", *reversed(range(startups)))
        w.program.partnerships.filter(partner=w.partners["B"]).update(
            ranking_round=factories.EvaluationRoundFactory(program=w.program)
        )
        return w

    small, large = world(5), world(50)
    with django_assert_num_queries(14):
        matching_run(program_id=small.program.pk, by=staff)
    with django_assert_num_queries(14):
        matching_run(program_id=large.program.pk, by=staff)


# --- reasons in words ------------------------------------------------------------------------------


def test_korean_particles_agree_with_the_partner_names():
    assert with_particle("구글", "과", "와") == "구글과"
    assert with_particle("오픈AI", "과", "와") == "오픈AI와"
    assert with_particle("Google", "과", "와") == "Google과"
    assert with_particle("NVIDIA", "과", "와") == "NVIDIA와"
    assert with_particle("IBM", "과", "와") == "IBM과"


def test_unmatched_reasons_read_as_sentences_naming_the_partners():
    reason = {"code": "seats_filled_by_preferred", "partners": [1, 2], "no_seats": []}
    names = {1: "오픈AI", 2: "구글"}

    with translation.override("ko"):
        korean = matching_reason_text(reason, partner_names=names)
    with translation.override("en"):
        english = matching_reason_text(reason, partner_names={1: "OpenAI", 2: "Google"})

    assert korean == "파트너 오픈AI와 구글 모두 더 선호하는 스타트업으로 정원이 찼습니다."
    assert english == "OpenAI and Google filled their seats with startups they ranked higher."


def test_names_are_joined_with_commas_and_a_particle_in_korean():
    with translation.override("ko"):
        assert names_and(["구글", "애플", "삼성"]) == "구글, 애플과 삼성"


@pytest.mark.django_db(transaction=True)
def test_a_run_started_without_a_surrounding_transaction_still_names_its_job():
    # An admin request has no transaction of its own: the job must not be handed over before its
    # params name it.
    w = World(seats={"A": 1}, startups=1)
    staff = factories.UserFactory(staff=True)

    job = matching_run_start(program=w.program, by=staff)

    job.refresh_from_db()
    assert (job.status, MatchingRun.objects.get().job_id) == (Job.Status.SUCCEEDED, job.pk)


@pytest.mark.parametrize(
    ("reason", "korean", "english"),
    [
        (
            {"code": "seats_filled_by_preferred", "partners": [1], "no_seats": [2]},
            "파트너 오픈AI의 정원이 더 선호하는 스타트업으로 찼습니다. 파트너 구글에는 남은 자리가 없었습니다"
            "(정원이 없거나 모두 고정 배정됨).",
            "OpenAI filled its seats with startups it ranked higher. Google had no seat left open (none, or every "
            "seat pinned).",
        ),
        (
            {"code": "no_acceptable_partner", "partners": [1, 2], "forbidden": []},
            "파트너 오픈AI와 구글 모두 이 스타트업을 순위에 올리지 않았습니다.",
            "None of OpenAI and Google ranked this startup.",
        ),
        (
            {"code": "no_acceptable_partner", "partners": [], "forbidden": [2]},
            "사무국이 이해충돌로 매칭에서 제외한 파트너: 구글.",
            "Staff ruled out a match with Google (a conflict).",
        ),
        (
            {"code": "no_acceptable_partner", "partners": [], "forbidden": []},
            "이 스타트업은 프로그램의 파트너를 한 곳도 지망하지 않았습니다.",
            "The startup ranked no partner of the program.",
        ),
    ],
)
def test_every_reason_code_reads_as_a_sentence_in_both_languages(reason, korean, english):
    with translation.override("ko"):
        assert matching_reason_text(reason, partner_names={1: "오픈AI", 2: "구글"}) == korean
    with translation.override("en"):
        assert matching_reason_text(reason, partner_names={1: "OpenAI", 2: "Google"}) == english


def test_a_partner_member_sees_only_the_published_run_in_force_of_its_own_programs():
    import datetime as dt

    from django.utils import timezone

    from matching.selectors import matching_partner_ids, matching_runs_visible_to

    ours = factories.ProgramPartnerFactory(program=factories.ProgramFactory(status=Program.Status.FINALISED))
    membership = factories.PartnerMembershipFactory(partner=ours.partner)
    now = timezone.now()
    factories.MatchingRunFactory(program=ours.program, published_at=now - dt.timedelta(days=1))
    in_force = factories.MatchingRunFactory(program=ours.program, published_at=now)
    factories.MatchingRunFactory(program=ours.program)  # a draft
    factories.MatchingRunFactory(published_at=now)  # another program's

    assert list(matching_runs_visible_to(actor=membership.user)) == [in_force]
    assert matching_partner_ids(actor=membership.user) == frozenset({ours.partner_id})
