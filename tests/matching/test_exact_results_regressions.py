"""Rounds where floats or rounded copies picked the wrong application, end to end: scores come in
through the offline sheet import, results through the compute job, as staff would run them.

Every case is decided by exact values (DESIGN.md, "Exactness"); each failed on the float
implementation. They run on SQLite here and on PostgreSQL in CI (.ci/run runs them on both).
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from jobs.models import Job
from jobs.services import job_run
from matching.models import Assignment, EvaluationRound, RoundResult
from matching.reasons import shown, tie_break_text
from matching.services.score_import import read_score_sheet, scores_import
from startups.services.applications import application_snapshot
from tests import factories

pytestmark = pytest.mark.django_db

R = EvaluationRound


@pytest.fixture
def staff_member():
    return factories.UserFactory(is_staff=True, is_superuser=True)


class Round:
    """A scoring round built from a table of criteria, applications and the scores of each review."""

    def __init__(self, *, criteria, **round_fields):
        round_fields.setdefault("advancement_rule", R.AdvancementRule.TOP_N)
        round_fields.setdefault("advance_count", 1)
        self.round = factories.EvaluationRoundFactory(status=R.Status.SCORING, **round_fields)
        self.criteria = [
            factories.CriterionFactory(round=self.round, code=code, weight=D(w), max_score=D(m), order=i, **extra)
            for i, (code, w, m, *rest) in enumerate(criteria)
            for extra in [rest[0] if rest else {}]
        ]
        self.evaluators = {}
        self.applications = {}
        self.rows = []
        self.t0 = timezone.now() - dt.timedelta(days=3)

    def application(self, name, *, submitted_minutes=0):
        application = factories.ApplicationFactory(
            program=self.round.program,
            in_review=True,
            first_submitted_at=self.t0 + dt.timedelta(minutes=submitted_minutes),
        )
        self.applications[name] = application
        return application

    def review(self, application_name, evaluator_name, *scores):
        evaluator = self.evaluators.get(evaluator_name) or factories.EvaluatorFactory()
        self.evaluators[evaluator_name] = evaluator
        application = self.applications[application_name]
        factories.AssignmentFactory(
            round=self.round, application=application, evaluator=evaluator, status=Assignment.Status.PENDING
        )
        for criterion, score in zip(self.criteria, scores, strict=True):
            self.rows.append([application.receipt_number, evaluator.user.email, criterion.code, score])

    def import_and_compute(self, by):
        text = "receipt_number,evaluator_email,criterion_code,score\n"
        text += "".join(",".join(str(cell) for cell in row) + "\n" for row in self.rows)
        upload = SimpleUploadedFile("paper.csv", text.encode(), content_type="text/csv")
        scores_import(round=self.round, by=by, rows=read_score_sheet(upload), source_name="paper.csv")
        R.objects.filter(pk=self.round.pk).update(status=R.Status.CLOSED)
        job = Job.objects.create(kind=Job.Kind.COMPUTE, params={"round_id": self.round.pk}, created_by=by)
        job = job_run(job_id=job.pk)
        assert job.status == Job.Status.SUCCEEDED, job.error
        return {
            name: RoundResult.objects.get(round=self.round, application=application)
            for name, application in self.applications.items()
        }


def test_equal_means_and_equal_tie_break_go_to_the_earlier_first_submission(staff_member):
    scoring = Round(criteria=[("c", "1", "10")])
    scoring.application("A", submitted_minutes=0)
    scoring.application("B", submitted_minutes=5)
    for evaluator, score in (("e1", 3), ("e2", 4), ("e3", 5)):
        scoring.review("A", evaluator, score)
    scoring.review("B", "e4", 4)

    results = scoring.import_and_compute(staff_member)

    assert results["A"].advanced and not results["B"].advanced
    assert (results["A"].rank, results["B"].rank) == (1, 2)
    assert results["A"].final_score == results["B"].final_score == D("40")
    assert results["B"].tie_break == {"code": "first_submission"}


def test_equal_finals_are_decided_by_the_first_criterion_when_weights_tie(staff_member):
    scoring = Round(criteria=[("a", "1", "10"), ("b", "1", "10"), ("c", "1", "10")])
    scoring.application("A", submitted_minutes=5)
    scoring.application("B", submitted_minutes=0)  # B submitted first, but the tie-break comes before that
    scoring.review("A", "e1", 2, 3, 1)
    scoring.review("B", "e2", 1, 3, 2)

    results = scoring.import_and_compute(staff_member)

    assert results["A"].advanced and not results["B"].advanced
    assert results["B"].tie_break == {"code": "criterion", "criterion": "a", "above": "0.2000", "this": "0.1000"}
    with translation.override("en"):
        assert tie_break_text(results["B"].tie_break, labels={"a": "Technology"}) == (
            "Tie — Technology mean 0.2000 vs 0.1000"
        )


def test_an_evaluator_whose_totals_are_equal_has_sigma_exactly_zero_in_the_zscore(staff_member):
    scoring = Round(criteria=[("a", "1", "10"), ("b", "1", "10"), ("c", "1", "10")], aggregation=R.Aggregation.ZSCORE)
    scoring.application("A")
    scoring.application("B", submitted_minutes=1)
    scoring.review("A", "e1", 2, 3, 1)
    scoring.review("B", "e1", 1, 3, 2)
    scoring.review("A", "e2", 9, 9, 9)
    scoring.review("B", "e2", 3, 3, 3)

    results = scoring.import_and_compute(staff_member)

    assert (results["A"].zscore, results["B"].zscore) == (D("54.5774"), D("25.4226"))
    assert results["A"].exact["approximate"] is True
    assert results["A"].advanced


def test_a_criterion_mean_exactly_at_the_fail_threshold_does_not_fail(staff_member):
    scoring = Round(criteria=[("c", "1", "10", {"fail_threshold": D("0.4")})])
    scoring.application("A")
    for evaluator, score in (("e1", 3), ("e2", 4), ("e3", 5)):
        scoring.review("A", evaluator, score)

    results = scoring.import_and_compute(staff_member)

    assert not results["A"].failed and results["A"].fail_reasons == []
    assert results["A"].advanced


def test_an_exact_final_higher_by_seven_billionths_ranks_first_although_both_show_fifty(staff_member):
    scoring = Round(criteria=[("top", "2", "10"), ("other", "1", "9999.99")])
    scoring.application("A", submitted_minutes=5)
    scoring.application("B", submitted_minutes=0)
    scoring.review("A", "e1", "5.00", "5000.00")
    scoring.review("B", "e2", "5.01", "4980.00")

    results = scoring.import_and_compute(staff_member)

    assert results["A"].rank == 1 and results["A"].advanced
    assert shown(results["A"], "final") == shown(results["B"], "final") == D("50.00")
    assert results["B"].tie_break == {"code": "exact_score"}


def test_a_final_just_below_the_cutoff_does_not_advance_although_it_shows_sixty(staff_member):
    scoring = Round(criteria=[("c", "1", "9999.99")], advancement_rule=R.AdvancementRule.CUTOFF, cutoff_score=D("60"))
    scoring.application("A")
    scoring.review("A", "e1", "5999.99")

    results = scoring.import_and_compute(staff_member)

    assert results["A"].final_score == D("60.0000")  # 59.99995999… half up to four places
    assert not results["A"].advanced
    assert results["A"].exact["final"] == "59999900/999999"


def test_a_bonus_flag_ticked_after_the_deadline_does_not_count(staff_member):
    scoring = Round(criteria=[("c", "1", "10")], bonus_cap=D("5"))
    factories.BonusRuleFactory(round=scoring.round, flag="women_owned", points=D("3"))
    program = scoring.round.program
    program.closes_at = timezone.now() - dt.timedelta(days=1)
    program.save(update_fields=["closes_at"])
    application = scoring.application("A")
    factories.SubmissionFactory(
        application=application,
        number=1,
        submitted_at=program.closes_at - dt.timedelta(hours=2),
        snapshot=application_snapshot(application),
    )
    scoring.review("A", "e1", 7)
    startup = application.startup
    startup.women_owned = True  # ticked after the deadline
    startup.save(update_fields=["women_owned"])

    results = scoring.import_and_compute(staff_member)

    assert results["A"].bonus == 0
    assert results["A"].final_score == D("70")


def test_the_track_is_read_from_the_submission_not_from_a_later_edit(staff_member):
    scoring = Round(criteria=[("c", "1", "10")], advancement_scope=R.AdvancementScope.PER_TRACK, advance_count=1)
    program = scoring.round.program
    program.closes_at = timezone.now() - dt.timedelta(days=1)
    program.save(update_fields=["closes_at"])
    api, collab = factories.TrackFactory(program=program, code="api"), factories.TrackFactory(program=program)
    for name, score in (("A", 9), ("B", 8)):
        application = scoring.application(name)
        application.track = api
        application.save(update_fields=["track"])
        factories.SubmissionFactory(
            application=application,
            number=1,
            submitted_at=program.closes_at - dt.timedelta(hours=1),
            snapshot=application_snapshot(application),
        )
        scoring.review(name, f"e{name}", score)
    application = scoring.applications["B"]
    application.track = collab  # moved after the deadline: B would lead its own track
    application.save(update_fields=["track"])

    results = scoring.import_and_compute(staff_member)

    assert results["A"].advanced and not results["B"].advanced


def test_carry_over_combines_the_exact_earlier_round_score_not_its_rounded_copy(staff_member):
    first = Round(criteria=[("c", "1", "3")])
    first.application("A")
    first.application("B", submitted_minutes=1)
    first.review("A", "e1", 1)  # 33.333… (shows 33.3333)
    first.review("B", "e2", 1)
    first.import_and_compute(staff_member)
    R.objects.filter(pk=first.round.pk).update(status=R.Status.PUBLISHED)

    second = Round(criteria=[("c", "1", "10")], program=first.round.program, order=first.round.order + 1)
    second.applications = dict(first.applications)
    second.review("A", "e3", 5)
    second.review("B", "e4", 5)
    factories.CarryOverWeightFactory(round=second.round, source_round=first.round, weight=D("0.3"))
    factories.CarryOverWeightFactory(round=second.round, source_round=second.round, weight=D("0.7"))

    results = second.import_and_compute(staff_member)

    # 0.3 · 100/3 + 0.7 · 50 = 10 + 35 = 45 exactly (0.3 · 33.3333 would give 44.99999)
    assert results["A"].exact["final"] == "45"
    assert results["B"].tie_break == {"code": "first_submission"}


def test_an_exact_value_round_trips_through_storage(staff_member):
    scoring = Round(criteria=[("c", "3", "7")])
    scoring.application("A")
    scoring.review("A", "e1", "3.33")

    results = scoring.import_and_compute(staff_member)

    assert results["A"].exact["final"] == "333/7"
    assert results["A"].final_score == D("47.5714")
    assert shown(results["A"], "final") == D("47.57")
