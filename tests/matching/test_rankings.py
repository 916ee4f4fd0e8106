"""Partners' rankings of finalists: drafts, submission, the deadline, and sheet imports."""

import datetime as dt
import io

import pytest
from django.utils import timezone, translation

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import PartnerRanking, PartnerRankingEntry
from matching.services.rankings import RankingInvalid, RankingSheetInvalid, ranking_import, ranking_save, ranking_submit
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    program = factories.ProgramFactory(status="reviewing", ranking_deadline=timezone.now() + dt.timedelta(days=3))
    partner = factories.PartnerFactory(name="OpenAI")
    factories.ProgramPartnerFactory(program=program, partner=partner, seats=2)
    member = factories.PartnerMembershipFactory(partner=partner).user
    finalists = [
        factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.ADVANCED)
        for _ in range(3)
    ]
    factories.ApplicationFactory(program=program, in_review=True)  # not a finalist
    return program, partner, member, finalists


def stored(program, partner):
    ranking = PartnerRanking.objects.filter(program=program, partner=partner).first()
    if ranking is None:
        return None, {}
    entries = {
        e.application_id: ("not_interested" if e.not_interested else e.rank)
        for e in PartnerRankingEntry.objects.filter(ranking=ranking)
    }
    return ranking.status, entries


def test_a_draft_keeps_ranks_and_leaves_undecided_finalists_out(setup):
    program, partner, member, (a, b, c) = setup

    ranking_save(program=program, partner=partner, entries={a.pk: "2", b.pk: "", c.pk: "not interested"}, by=member)

    assert stored(program, partner) == ("draft", {a.pk: 2, c.pk: "not_interested"})


def test_submission_records_who_and_when_and_is_audited(setup):
    program, partner, member, (a, b, c) = setup

    ranking = ranking_save(
        program=program, partner=partner, entries={a.pk: 1, b.pk: 2, c.pk: "관심 없음"}, by=member, submit=True
    )

    assert (ranking.status, ranking.submitted_by, ranking.submitted_at is not None) == ("submitted", member, True)
    assert AuditEvent.objects.filter(verb="ranking_submitted", object_id=str(ranking.pk)).exists()


def test_submission_needs_every_finalist_ranked_or_not_interested(setup):
    program, partner, member, (a, b, c) = setup

    with pytest.raises(RankingInvalid) as refused:
        ranking_save(program=program, partner=partner, entries={a.pk: 1, b.pk: 2}, by=member, submit=True)

    assert list(refused.value.problems) == [f"entry:{c.pk}"]
    assert stored(program, partner) == (None, {})


def test_a_duplicate_rank_is_refused_beside_both_and_changes_nothing(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 1, b.pk: 2, c.pk: 3}, by=member, submit=True)

    with pytest.raises(RankingInvalid) as refused:
        ranking_save(program=program, partner=partner, entries={a.pk: 1, b.pk: 1, c.pk: 2}, by=member)

    assert set(refused.value.problems) == {f"entry:{a.pk}", f"entry:{b.pk}"}
    assert stored(program, partner) == ("submitted", {a.pk: 1, b.pk: 2, c.pk: 3})


@pytest.mark.parametrize("bad", ["0", "-1", "1.5", "first", "１x"])
def test_a_rank_that_is_not_a_whole_number_from_one_is_refused(setup, bad):
    program, partner, member, (a, b, c) = setup

    with pytest.raises(RankingInvalid) as refused:
        ranking_save(program=program, partner=partner, entries={a.pk: bad}, by=member)

    assert list(refused.value.problems) == [f"entry:{a.pk}"]


def test_ranks_need_not_be_consecutive(setup):
    program, partner, member, (a, b, c) = setup

    ranking_save(program=program, partner=partner, entries={a.pk: 5, b.pk: 1, c.pk: 9}, by=member, submit=True)

    assert stored(program, partner) == ("submitted", {a.pk: 5, b.pk: 1, c.pk: 9})


def test_an_application_that_is_not_a_finalist_is_refused(setup):
    program, partner, member, (a, b, c) = setup
    other = factories.ApplicationFactory(program=program, in_review=True)

    with pytest.raises(RankingInvalid):
        ranking_save(program=program, partner=partner, entries={a.pk: 1, other.pk: 2}, by=member)

    assert stored(program, partner) == (None, {})


def test_a_submitted_ranking_can_be_changed_and_resubmitted_before_the_deadline(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 1, b.pk: 2, c.pk: 3}, by=member, submit=True)

    ranking_save(program=program, partner=partner, entries={a.pk: 3, b.pk: 2, c.pk: 1}, by=member, submit=True)

    assert stored(program, partner) == ("submitted", {a.pk: 3, b.pk: 2, c.pk: 1})


def test_submitting_the_saved_draft_submits_its_entries_as_saved(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 2, b.pk: 1, c.pk: "not interested"}, by=member)

    ranking_submit(program=program, partner=partner, by=member)

    assert stored(program, partner) == ("submitted", {a.pk: 2, b.pk: 1, c.pk: "not_interested"})


def test_submitting_an_incomplete_draft_is_refused_and_keeps_the_draft(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 1}, by=member)

    with pytest.raises(DomainError):
        ranking_submit(program=program, partner=partner, by=member)

    assert stored(program, partner) == ("draft", {a.pk: 1})


def test_after_the_deadline_the_ranking_cannot_change(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 1, b.pk: 2, c.pk: 3}, by=member, submit=True)
    program.ranking_deadline = timezone.now() - dt.timedelta(minutes=1)
    program.save(update_fields=["ranking_deadline"])

    with pytest.raises(DomainError) as refused:
        ranking_save(program=program, partner=partner, entries={a.pk: 3, b.pk: 2, c.pk: 1}, by=member, submit=True)

    assert refused.value.code == "ranking_closed"
    assert stored(program, partner) == ("submitted", {a.pk: 1, b.pk: 2, c.pk: 3})


def test_a_partner_that_ranks_by_a_round_submits_no_ranking(setup):
    program, partner, member, (a, b, c) = setup
    link = program.partnerships.get(partner=partner)
    link.ranking_round = factories.EvaluationRoundFactory(program=program)
    link.save(update_fields=["ranking_round"])

    with pytest.raises(DomainError) as refused:
        ranking_save(program=program, partner=partner, entries={a.pk: 1}, by=member)

    assert refused.value.code == "ranks_by_round"


def sheet(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode("utf-8"))


def test_a_sheet_with_korean_headers_imports_ranks_and_not_interested(setup):
    program, partner, member, (a, b, c) = setup
    text = f"접수번호,순위\n{a.receipt_number},2\n{b.receipt_number},1\n{c.receipt_number},관심 없음\n"

    ranking_import(program=program, partner=partner, file=sheet(text), by=member, submit=True)

    assert stored(program, partner) == ("submitted", {a.pk: 2, b.pk: 1, c.pk: "not_interested"})


def test_a_sheet_with_bad_rows_is_refused_with_line_and_column_and_changes_nothing(setup):
    program, partner, member, (a, b, c) = setup
    ranking_save(program=program, partner=partner, entries={a.pk: 1}, by=member)
    text = f"receipt_number,rank\n{a.receipt_number},1\nNOPE-1,2\n{c.receipt_number},1\n{b.receipt_number},zero\n"

    with translation.override("en"), pytest.raises(RankingSheetInvalid) as refused:
        ranking_import(program=program, partner=partner, file=sheet(text), by=member)

    problems = refused.value.problems
    assert set(problems) == {"line:3", "line:4", "line:5"}
    assert "column receipt_number" in problems["line:3"][0] and problems["line:3"][0].startswith("Line 3")
    assert "line 2" in problems["line:4"][0] and "column rank" in problems["line:4"][0]
    assert "column rank" in problems["line:5"][0]
    assert stored(program, partner) == ("draft", {a.pk: 1})


def test_sheet_problems_read_in_korean(setup):
    program, partner, member, (a, b, c) = setup
    text = f"접수번호,순위\n{a.receipt_number},첫째\n"

    with translation.override("ko"), pytest.raises(RankingSheetInvalid) as refused:
        ranking_import(program=program, partner=partner, file=sheet(text), by=member)

    assert refused.value.problems["line:2"][0].startswith("2행, 순위 열:")


def test_an_xlsx_sheet_imports_like_a_csv(setup):
    from openpyxl import Workbook

    program, partner, member, (a, b, c) = setup
    workbook = Workbook()
    sheet_ = workbook.active
    sheet_.append(["순위", "접수번호"])
    for rank, application in ((1, c), (2, a), (3, b)):
        sheet_.append([rank, application.receipt_number])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)

    ranking_import(program=program, partner=partner, file=data, by=member)

    assert stored(program, partner) == ("draft", {c.pk: 1, a.pk: 2, b.pk: 3})


def test_a_sheet_without_the_rank_column_is_refused_on_line_one(setup):
    program, partner, member, _ = setup

    with pytest.raises(RankingSheetInvalid) as refused:
        ranking_import(program=program, partner=partner, file=sheet("접수번호,점수\nX,1\n"), by=member)

    assert list(refused.value.problems) == ["line:1"]


def test_a_submitted_sheet_missing_a_finalist_names_its_receipt_number(setup):
    program, partner, member, (a, b, c) = setup
    text = f"receipt_number,rank\n{a.receipt_number},1\n{b.receipt_number},2\n"

    with pytest.raises(RankingSheetInvalid) as refused:
        ranking_import(program=program, partner=partner, file=sheet(text), by=member, submit=True)

    assert refused.value.problems[f"entry:{c.pk}"][0].startswith(c.receipt_number)


def test_staff_read_a_ranking_in_the_admin_with_its_entries_and_cannot_change_it(setup, client):
    program, partner, member, (a, b, c) = setup
    ranking = ranking_save(
        program=program, partner=partner, entries={a.pk: 1, b.pk: 2, c.pk: "x"}, by=member, submit=True
    )
    client.force_login(factories.UserFactory(staff=True))

    listing = client.get("/admin/matching/partnerranking/")
    page = client.get(f"/admin/matching/partnerranking/{ranking.pk}/change/").content.decode()

    assert listing.status_code == 200 and "OpenAI" in listing.content.decode()
    assert a.receipt_number in page and c.receipt_number in page
    assert client.get("/admin/matching/partnerranking/add/").status_code == 403


def test_the_program_admin_offers_the_ranking_deadline_and_english_answers(setup, client):
    program, *_ = setup
    client.force_login(factories.UserFactory(staff=True))

    page = client.get(f"/admin/matching/program/{program.pk}/change/").content.decode()

    assert 'name="ranking_deadline_0"' in page and 'name="english_for_partners"' in page
    assert "shown_to_partners" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_members_saving_at_once_leave_one_whole_ranking_never_a_mix():
    import threading

    from django.db import connections

    program = factories.ProgramFactory(status="reviewing")
    partner = factories.PartnerFactory()
    factories.ProgramPartnerFactory(program=program, partner=partner)
    first, second = (factories.PartnerMembershipFactory(partner=partner).user for _ in range(2))
    a, b, c = (
        factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.ADVANCED)
        for _ in range(3)
    )
    wanted = {first: {a.pk: 1, b.pk: 2, c.pk: 3}, second: {a.pk: 3, b.pk: 2, c.pk: 1}}
    start, errors = threading.Barrier(2), []

    def save(user):
        try:
            start.wait()
            ranking_save(program=program, partner=partner, entries=wanted[user], by=user, submit=True)
        except Exception as error:  # any failure of either save is reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert PartnerRanking.objects.filter(program=program, partner=partner).count() == 1
    assert stored(program, partner)[1] in (wanted[first], wanted[second])
