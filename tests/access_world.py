"""One program seen by every role, for the access matrices of the API and the web pages.

Program P (reviewing, partner A) has two applications:
- X (startup SX, advanced: a finalist partner A may read) submitted once with the files `sub` and
  `shown` (the answer to a question shown to partners), to which the founder later added `draft`
  (never submitted);
- Y (startup SY, in review: not a finalist) with the file `other`, also answering the shown question.
Evaluators, each with one assignment: `ev_scoring` (X, round open for scoring), `ev_closed` (X, a
published round), `ev_recused` (X, scoring, stepped aside), `ev_setup` (X, round in set-up),
`ev_assigning` (X, round still assigning), `ev_other` (Y, scoring).
People: `staff`; `applicant` (active member of SX); `asked_to_join` (SX, not yet accepted);
`partner` (current member of A); `former_partner` (was a member of A; removed after their key was made).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from matching.models import Assignment, EvaluationRound, PartnerMembership, Program
from startups.models import Application, StartupMember
from tests import factories

R = EvaluationRound.Status
EVALUATORS = ("ev_scoring", "ev_closed", "ev_recused", "ev_setup", "ev_assigning", "ev_other")
IN_FORCE = {"ev_scoring", "ev_closed", "ev_other"}


@dataclasses.dataclass
class Desk:
    program: Any
    partner: Any
    applications: dict[str, Any]
    files: dict[str, Any]
    users: dict[str, Any]
    assignments: dict[str, Any]  # evaluator name -> assignment
    former_partner_key: Any = None  # an API client with the key made before the membership ended


def _submitted(application, *files) -> None:
    founder = factories.StartupMemberFactory(startup=application.startup).user
    factories.SubmissionFactory(
        application=application,
        submitted_by=founder,
        number=1,
        snapshot={
            "title": application.title,
            "summary": "",
            "startup": {"name_ko": application.startup.name_ko},
            "answers": {},
            "attachments": [{"id": f.pk, "name": f.original_name, "size": f.size} for f in files],
        },
    )


def build_desk(*, key_client=None) -> Desk:
    """The world above. With `key_client`, the former partner member's key is made while they still
    are a member (then the membership ends), as it happens in real life."""
    partner = factories.PartnerFactory(name="A")
    program = factories.ProgramFactory(status=Program.Status.REVIEWING)
    factories.ProgramPartnerFactory(program=program, partner=partner)
    x = factories.ApplicationFactory(
        program=program, in_review=True, status=Application.Status.ADVANCED, title="X 프로젝트"
    )
    y = factories.ApplicationFactory(program=program, in_review=True, title="Y 프로젝트")
    question = factories.QuestionFactory(program=program, code="deck_en", kind="file", shown_to_partners=True)
    sub = factories.AttachmentFactory(application=x, original_name="X_회사소개서.pdf")
    shown = factories.AttachmentFactory(application=x, question=question, original_name="X_deck_en.pdf")
    other = factories.AttachmentFactory(application=y, question=question, original_name="Y_deck_en.pdf")
    _submitted(x, sub, shown)
    _submitted(y, other)
    draft = factories.AttachmentFactory(application=x, original_name="X_미제출_초안.pdf")  # after submitting

    rounds = {status: factories.EvaluationRoundFactory(program=program, status=status) for status in R.values}
    plan = {
        "ev_scoring": (x, R.SCORING, Assignment.Status.PENDING),
        "ev_closed": (x, R.PUBLISHED, Assignment.Status.SUBMITTED),
        "ev_recused": (x, R.SCORING, Assignment.Status.RECUSED),
        "ev_setup": (x, R.SETUP, Assignment.Status.PENDING),
        "ev_assigning": (x, R.ASSIGNING, Assignment.Status.PENDING),
        "ev_other": (y, R.SCORING, Assignment.Status.PENDING),
    }
    users: dict[str, Any] = {}
    assignments = {}
    for name, (application, round_status, status) in plan.items():
        assignment = factories.AssignmentFactory(round=rounds[round_status], application=application, status=status)
        assignments[name], users[name] = assignment, assignment.evaluator.user

    users["staff"] = factories.UserFactory(staff=True)
    users["applicant"] = x.startup.members.get().user  # the founder who submitted
    users["asked_to_join"] = factories.StartupMemberFactory(
        startup=x.startup, role=StartupMember.Role.MEMBER, status=StartupMember.Status.REQUESTED
    ).user
    users["partner"] = factories.PartnerMembershipFactory(partner=partner).user
    former = factories.PartnerMembershipFactory(partner=partner)
    users["former_partner"] = former.user
    desk = Desk(
        program=program,
        partner=partner,
        applications={"X": x, "Y": y},
        files={"sub": sub, "shown": shown, "draft": draft, "other": other},
        users=users,
        assignments=assignments,
    )
    if key_client is not None:
        desk.former_partner_key = key_client(former.user, partner=partner)
    PartnerMembership.objects.filter(pk=former.pk).delete()  # they left the partner
    return desk


# Which files each person may download (the web download view; the API links to it).
FILES_VISIBLE = {
    "staff": {"sub", "shown", "draft", "other"},
    "applicant": {"sub", "shown", "draft"},  # their own working copy, drafts included
    "asked_to_join": set(),
    "partner": {"shown"},  # a finalist's answer to a question shown to partners; Y is no finalist
    "former_partner": set(),
    "ev_scoring": {"sub", "shown"},  # the submitted version only: never the draft added later
    "ev_closed": {"sub", "shown"},
    "ev_recused": set(),
    "ev_setup": set(),
    "ev_assigning": set(),
    "ev_other": {"other"},
}
