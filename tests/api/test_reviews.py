"""/assignments/: an evaluator's own score sheets through the API, saved and submitted with the
same services as the evaluator page; identities hidden in a blind round."""

import json
from decimal import Decimal

import pytest

from matching.models import Assignment, EvaluationRound, Review
from matching.services.rounds import round_close
from tests import factories

pytestmark = pytest.mark.django_db
ASSIGNMENTS = "/api/v1/assignments/"


def detail(assignment):
    return f"{ASSIGNMENTS}{assignment.pk}/"


def make_assignment(evaluation_round, evaluator=None):
    """An assignment whose application was submitted twice: the API shows the second version."""
    startup = factories.StartupFactory(name_ko="주식회사 비밀상사", name_en="Secret Trading Co.")
    assignment = factories.AssignmentFactory(
        round=evaluation_round,
        evaluator=evaluator or factories.EvaluatorFactory(),
        application__startup=startup,
    )
    snapshot = {
        "title": "AI 상담 자동화 v2",
        "summary": "중소기업용 상담 자동화",
        "startup": {
            "name_ko": startup.name_ko,
            "name_en": startup.name_en,
            "brn": startup.brn,
            "ceo_name": "김비밀",
            "founded_on": "2020-03-01",
            "employees": 12,
        },
        "answers": {"problem": "고객 문의의 70%가 반복 질문입니다."},
        "attachments": [{"id": 1, "name": "Secret Trading IR deck.pdf", "size": 1024}],
    }
    factories.SubmissionFactory(application=assignment.application, number=1, snapshot={"title": "AI 상담 v1"})
    factories.SubmissionFactory(application=assignment.application, number=2, snapshot=snapshot)
    return assignment


def make_round(*, blind=False):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING, blind=blind)
    factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    factories.QuestionFactory(program=evaluation_round.program, code="problem", label_en="Problem")
    return evaluation_round


@pytest.fixture
def assignment():
    return make_assignment(make_round())


@pytest.fixture
def evaluator_api(key_client, assignment):
    return key_client(assignment.evaluator.user, scopes=["reviews:write"])


def saved_scores(assignment):
    review = Review.objects.filter(assignment=assignment).first()
    return {s.criterion.code: s.value for s in review.scores.all()} if review else {}


def test_an_evaluator_lists_only_their_own_assignments(evaluator_api, assignment):
    make_assignment(assignment.round)  # another evaluator's

    response = evaluator_api.get(ASSIGNMENTS)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [assignment.pk]


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("put", "review/"), ("post", "submit/"), ("post", "recuse/")]
)
def test_another_evaluators_assignment_is_not_found(evaluator_api, assignment, method, suffix):
    other = make_assignment(assignment.round)

    response = getattr(evaluator_api, method)(f"{detail(other)}{suffix}", {"reason": "x"})

    assert response.status_code == 404


def test_a_signed_in_user_who_is_not_an_evaluator_gets_an_empty_list(session_client, assignment):
    response = session_client(factories.UserFactory()).get(ASSIGNMENTS)

    assert (response.status_code, response.json()["results"]) == (200, [])


def test_staff_read_every_assignment(staff_api, assignment):
    make_assignment(assignment.round)

    response = staff_api.get(ASSIGNMENTS, {"round": assignment.round_id})

    assert response.json()["count"] == 2


def test_staff_cannot_write_another_evaluators_review(staff_api, assignment):
    response = staff_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7}})

    assert response.status_code == 404
    assert saved_scores(assignment) == {}


def test_a_key_without_reviews_write_is_refused(key_client, assignment):
    client = key_client(assignment.evaluator.user, scopes=["programs:read", "applications:read"])

    assert client.get(ASSIGNMENTS).status_code == 403
    assert client.post(f"{detail(assignment)}submit/").status_code == 403


def test_the_sheet_shows_the_last_submitted_version_with_the_startup(evaluator_api, assignment):
    sheet = evaluator_api.get(detail(assignment), HTTP_ACCEPT_LANGUAGE="en").json()

    application = sheet["application"]
    assert application["title"] == "AI 상담 자동화 v2"
    assert application["receipt_number"] == assignment.application.receipt_number
    assert application["startup"]["name_ko"] == "주식회사 비밀상사"
    assert application["answers"] == [{"label": "Problem", "value": "고객 문의의 70%가 반복 질문입니다."}]
    assert application["documents"][0]["label"] == "Secret Trading IR deck.pdf"
    assert [c["code"] for c in sheet["criteria"]] == ["technology", "market"]
    assert (sheet["round"]["blind"], sheet["editable"], sheet["review"]) == (False, True, None)


def test_a_blind_round_hides_who_applied(key_client):
    assignment = make_assignment(make_round(blind=True))
    client = key_client(assignment.evaluator.user, scopes=["reviews:write"])
    startup = assignment.application.startup

    listed, one = client.get(ASSIGNMENTS), client.get(detail(assignment))

    text = listed.content.decode() + one.content.decode()
    for secret in (startup.name_ko, startup.name_en, startup.brn, "김비밀", "Secret Trading"):
        assert secret not in text
    assert one.json()["application"]["startup"] is None
    assert one.json()["application"]["documents"][0]["label"] != "Secret Trading IR deck.pdf"


def test_a_partners_key_reaches_only_assignments_in_the_partners_programs(key_client, assignment):
    partner = factories.PartnerMembershipFactory(user=assignment.evaluator.user).partner
    client = key_client(assignment.evaluator.user, scopes=["reviews:write"], partner=partner)

    assert client.get(ASSIGNMENTS).json()["results"] == []
    assert client.get(detail(assignment)).status_code == 404


def test_saving_scores_stores_them_by_criterion_code(evaluator_api, assignment):
    response = evaluator_api.put(
        f"{detail(assignment)}review/", {"scores": {"technology": 7.5, "market": "15"}, "comment": "좋음"}
    )

    assert response.status_code == 200
    assert response.json()["review"]["scores"] == {"technology": "7.50", "market": "15.00"}
    assert saved_scores(assignment) == {"technology": Decimal("7.5"), "market": Decimal("15")}
    assignment.refresh_from_db()
    assert (assignment.status, assignment.review.comment) == (Assignment.Status.IN_PROGRESS, "좋음")


def test_an_out_of_range_score_is_422_and_the_saved_scores_are_kept(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}})

    # The request's language comes from Accept-Language (LocaleMiddleware), not from the test's.
    response = evaluator_api.put(
        f"{detail(assignment)}review/", {"scores": {"technology": 11}}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {"criterion:technology": ["Enter a score from 0 to 10."]}
    assert saved_scores(assignment) == {"technology": Decimal("7"), "market": Decimal("15")}


def test_a_save_with_one_bad_score_saves_nothing_and_the_submitted_review_stays_submitted(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}, "comment": "좋음"})
    evaluator_api.post(f"{detail(assignment)}submit/")

    response = evaluator_api.put(
        f"{detail(assignment)}review/",
        {"scores": {"technology": 8, "market": 25}, "comment": "바뀐 의견"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert (response.status_code, response.json()["code"]) == (422, "invalid_scores")
    assert response.json()["fields"] == {"criterion:market": ["Enter a score from 0 to 20."]}
    assert saved_scores(assignment) == {"technology": Decimal("7"), "market": Decimal("15")}
    assignment.refresh_from_db()
    assert (assignment.status, assignment.review.comment) == (Assignment.Status.SUBMITTED, "좋음")
    assert assignment.review.submitted_at is not None


def test_every_bad_score_is_listed_at_once(evaluator_api, assignment):
    response = evaluator_api.put(
        f"{detail(assignment)}review/", {"scores": {"technology": 11, "market": "abc"}}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 422
    assert response.json()["fields"] == {
        "criterion:technology": ["Enter a score from 0 to 10."],
        "criterion:market": ["Enter a number."],
    }
    assert not Review.objects.filter(assignment=assignment).exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        json.dumps({"scores": [7, 15]}),
        json.dumps({"scores": {"technology": True}}),
        json.dumps({"scores": {"technology": [7]}}),
        json.dumps({"scores": {"no-such-criterion": 7}}),
    ],
)
def test_a_malformed_body_is_400_and_nothing_is_saved(evaluator_api, assignment, body):
    response = evaluator_api.put(f"{detail(assignment)}review/", body, content_type="application/json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "detail", "fields"}
    assert saved_scores(assignment) == {}


def test_submitting_an_incomplete_review_is_422_with_the_missing_criteria(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7}})

    response = evaluator_api.post(f"{detail(assignment)}submit/")

    assert (response.status_code, response.json()["code"]) == (422, "review_incomplete")
    assert list(response.json()["fields"]) == ["criterion:market"]


def test_submitting_a_complete_review_submits_the_assignment(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}})

    response = evaluator_api.post(f"{detail(assignment)}submit/")

    assert (response.status_code, response.json()["status"]) == (200, "submitted")
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert assignment.review.submitted_at is not None


def test_submitting_again_answers_200_and_changes_nothing(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}})
    first = evaluator_api.post(f"{detail(assignment)}submit/").json()

    again = evaluator_api.post(f"{detail(assignment)}submit/")

    assert again.status_code == 200
    assert again.json()["review"]["submitted_at"] == first["review"]["submitted_at"]


def test_after_scoring_closes_saving_and_submitting_are_409_and_scores_unchanged(evaluator_api, assignment, staff_user):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}})
    round_close(round=assignment.round, by=staff_user)

    saving = evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 1}})
    submitting = evaluator_api.post(f"{detail(assignment)}submit/")

    assert (saving.status_code, saving.json()["code"]) == (409, "round_not_scoring")
    assert (submitting.status_code, submitting.json()["code"]) == (409, "round_not_scoring")
    assert saved_scores(assignment) == {"technology": Decimal("7"), "market": Decimal("15")}


def test_the_same_idempotency_key_replays_the_submit_response(evaluator_api, assignment):
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 7, "market": 15}})
    first = evaluator_api.post(f"{detail(assignment)}submit/", HTTP_IDEMPOTENCY_KEY="submit-1")
    # A change after the first submit reopens the review; the replay must not submit it again.
    evaluator_api.put(f"{detail(assignment)}review/", {"scores": {"technology": 8}})

    replay = evaluator_api.post(f"{detail(assignment)}submit/", HTTP_IDEMPOTENCY_KEY="submit-1")

    assert (replay.status_code, replay["Idempotent-Replayed"]) == (200, "true")
    assert replay.json() == first.json()
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS


def test_recusing_needs_a_reason_and_then_steps_aside(evaluator_api, assignment):
    without_reason = evaluator_api.post(f"{detail(assignment)}recuse/", {"reason": ""})

    response = evaluator_api.post(f"{detail(assignment)}recuse/", {"reason": "전 직장 동료"})

    assert without_reason.status_code == 400
    assert (response.status_code, response.json()["status"]) == (200, "recused")


def test_assignment_list_queries_do_not_grow(key_client, django_assert_num_queries):
    evaluation_round = make_round()
    evaluator = factories.EvaluatorFactory()
    client = key_client(evaluator.user, scopes=["reviews:write"])
    client.get(ASSIGNMENTS)  # the key's first use is recorded once, outside the counts
    for _ in range(2):
        factories.ReviewFactory(assignment=make_assignment(evaluation_round, evaluator))
    with django_assert_num_queries(8):  # 8: the criteria's tracks (criteria per track)
        assert len(client.get(ASSIGNMENTS).json()["results"]) == 2
    for _ in range(18):
        factories.ReviewFactory(assignment=make_assignment(evaluation_round, evaluator))
    with django_assert_num_queries(8):  # 8: the criteria's tracks (criteria per track)
        assert len(client.get(ASSIGNMENTS).json()["results"]) == 20
