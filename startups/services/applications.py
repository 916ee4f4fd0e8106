"""An application from first draft to submission: the rules applicants live by."""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError, InvalidInput
from core.lifecycle import ensure_transition
from core.rows import rows_sync
from core.validators import local_date
from matching.models import Declaration, Program, Question
from matching.services.evidence import bonus_evidence_problems
from notifications.models import Notification
from notifications.services import notify
from notifications.webhooks import webhooks_emit
from privacy.services import consent_for_submission
from startups.answers import clean_answer, is_empty, normalize_text, text_limit
from startups.eligibility import DeclarationAnswered, eligibility_reasons
from startups.models import Answer, Application, DeclarationAnswer, PartnerPreference, Submission
from startups.selectors import membership_of
from startups.services.deadlines import personal_deadline_in_force, personal_deadline_resubmitted
from startups.services.staff import application_withdraw
from startups.services.startups import ensure_active_member

A = Application.Status
EDITABLE = {A.DRAFT, A.SUBMITTED, A.INELIGIBLE}
UNSET = object()


class ApplicationIncomplete(InvalidInput):
    """Submission refused: `problems` maps a field key (`title`, `track`, `question:<code>`,
    `declaration:<code>`, `preferences`) to the messages for it."""

    code = "application_incomplete"

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(problems, _("Some answers are missing or need fixing."))


def _as_int(value: Any) -> int | None:
    # Ids come from forms as text; one that is not a number matches nothing.
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def ensure_window_open(program: Program) -> None:
    """Applications are taken while the program is open and `opens_at ≤ now < closes_at`,
    with "now" read from the database's clock, so every web machine agrees."""
    if Program.objects.filter(
        pk=program.pk, status=Program.Status.OPEN, opens_at__lte=Now(), closes_at__gt=Now()
    ).exists():
        return
    deadline = date_format(timezone.localtime(program.closes_at), "DATETIME_FORMAT")
    if Program.objects.filter(pk=program.pk, opens_at__gt=Now()).exists():
        raise DomainError(
            _("Applications open on %(date)s.")
            % {"date": date_format(timezone.localtime(program.opens_at), "DATETIME_FORMAT")},
            code="not_open_yet",
        )
    raise DomainError(
        _(
            "The deadline (%(deadline)s, Korea time) has passed: nothing can be submitted or changed. "
            "What you saved is kept."
        )
        % {"deadline": deadline},
        code="deadline_passed",
    )


def ensure_editable(application: Application, by: User) -> None:
    ensure_active_member(startup=application.startup, user=by)
    if application.status not in EDITABLE:
        raise DomainError(
            _("This application is %(status)s and can no longer be changed.")
            % {"status": application.get_status_display()},
            code="not_editable",
        )
    try:
        ensure_window_open(application.program)
    except DomainError:
        if personal_deadline_in_force(application) is None:  # an extension or a correction outlives the program's
            raise


def _questions_for(application: Application) -> list[Question]:
    """The program's questions that apply to the application's track, in form order."""
    return [
        q
        for q in sorted(application.program.questions.all(), key=lambda q: (q.order, q.pk))
        if q.track_id is None or q.track_id == application.track_id
    ]


def with_everything(queryset):
    """Prefetch what the checks, the snapshot and the forms read, so each is read once."""
    return queryset.select_related("program", "startup", "track").prefetch_related(
        "answers",
        "declaration_answers",
        "partner_preferences",
        "attachments",
        "submissions",
        "startup__sectors",
        "program__tracks",
        "program__questions",
        "program__declarations",
        "program__partnerships",
    )


@transaction.atomic
def application_start(*, program: Program, by: User) -> Application:
    """Start (or find) the draft of `by`'s startup for `program`: one application per startup."""
    membership = membership_of(user=by)
    if membership is None:
        raise DomainError(_("Register your startup before you apply."), code="no_startup")
    existing = Application.objects.filter(program=program, startup=membership.startup).first()
    if existing is not None:
        return existing
    ensure_window_open(program)
    try:
        with transaction.atomic():
            application = Application.objects.create(program=program, startup=membership.startup, created_by=by)
    except IntegrityError:  # a teammate started it at the same moment
        return Application.objects.get(program=program, startup=membership.startup)
    audit_record(actor=by, obj=application, verb="application_started")
    return application


@transaction.atomic
def application_save_draft(
    *,
    application: Application,
    by: User,
    title: Any = UNSET,
    summary: Any = UNSET,
    summary_en: Any = UNSET,
    track_id: Any = UNSET,
    answers: dict[int, Any] | None = None,
    answers_en: dict[int, Any] | None = None,
    declarations: dict[int, bool | None] | None = None,
    preferences: list[int] | None = None,
) -> dict[str, list[str]]:
    """Save whatever was given, complete or not. A value that cannot be stored (a number that is
    not a number, text over its limit) is reported under its field key and leaves the saved value
    as it was; every other value is saved. Only while the window is open."""
    application = (
        Application.objects.select_for_update(of=("self",)).select_related("program", "startup").get(pk=application.pk)
    )
    ensure_editable(application, by)
    errors: dict[str, list[str]] = {}
    fields = []
    if title is not UNSET:
        application.title = (title or "").strip()[:200]
        fields.append("title")
    if summary is not UNSET:
        application.summary = (summary or "").replace("\r\n", "\n").strip()
        fields.append("summary")
    if summary_en is not UNSET:
        application.summary_en = normalize_text(summary_en or "")
        fields.append("summary_en")
    if track_id is not UNSET:
        track_ids = set(application.program.tracks.values_list("pk", flat=True))
        if track_id in (None, ""):
            application.track_id = None
        elif _as_int(track_id) in track_ids:
            application.track_id = int(track_id)
        else:
            errors["track"] = [_("Choose one of the program's tracks.")]
        fields.append("track")
    if fields:
        application.save(update_fields=[*fields, "updated_at"])
    if answers is not None:
        errors.update(_save_answers(application, answers))
    if answers_en is not None:
        errors.update(_save_answers_en(application, answers_en))
    if declarations is not None:
        _save_declarations(application, declarations)
    if preferences is not None:
        errors.update(_save_preferences(application, preferences))
    return errors


def _sync_rows(model, *, application: Application, key: str, field: str, wanted: dict[int, Any]) -> None:
    """Make the application's `model` rows hold `wanted` ({`key` id: `field` value}; None removes the row)."""
    rows_sync(
        model,
        existing={getattr(row, key): row for row in model.objects.filter(application=application)},
        wanted=wanted,
        field=field,
        build=lambda key_id, value: model(application=application, **{key: key_id, field: value}),
    )


K = Question.Kind
TYPED_KINDS = {K.SHORT_TEXT, K.LONG_TEXT, K.NUMBER, K.DATE, K.URL}  # answers a draft keeps as typed


def _save_answers(application: Application, raw_answers: dict[int, Any]) -> dict[str, list[str]]:
    """Save each answer: a valid one as its value; one typed but not valid (too long, not a number)
    as `typed`, so a draft never loses it (submission refuses it). A refused choice keeps the saved one."""
    ids = {_as_int(question_id): raw for question_id, raw in raw_answers.items()}
    questions = Question.objects.filter(program_id=application.program_id, pk__in=[i for i in ids if i is not None])
    existing = {a.question_id: a for a in Answer.objects.filter(application=application)}
    errors: dict[str, list[str]] = {}
    to_create, to_update, to_delete = [], [], []
    for question in questions.exclude(kind=Question.Kind.FILE):
        raw = ids[question.pk]
        try:
            value, typed = clean_answer(question, raw), ""
        except ValidationError as error:
            errors[f"question:{question.code}"] = list(error.messages)
            if question.kind not in TYPED_KINDS:
                continue
            value, typed = None, normalize_text(str(raw))
        row = existing.get(question.pk)
        if row is None:
            if value is not None or typed:
                to_create.append(Answer(application=application, question=question, value=value, typed=typed))
        elif value is None and not typed and not row.value_en:
            to_delete.append(row.pk)
        elif row.value != value or row.typed != typed:
            row.value, row.typed = value, typed
            to_update.append(row)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["value", "typed"])
    Answer.objects.filter(pk__in=to_delete).delete()
    return errors


def english_questions(program: Program, questions) -> list[Question]:
    """The text questions a program asks in English too (shown to partners, `english_for_partners`)."""
    if not program.english_for_partners:
        return []
    text = (Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT)
    return [q for q in questions if q.shown_to_partners and q.kind in text]


def _save_answers_en(application: Application, raw_answers: dict[int, Any]) -> dict[str, list[str]]:
    """The English answers, kept beside the original ones (a row without an original answer holds None)."""
    ids = {_as_int(question_id): raw for question_id, raw in raw_answers.items()}
    program = application.program
    questions = Question.objects.filter(program_id=program.pk, pk__in=[i for i in ids if i is not None])
    errors: dict[str, list[str]] = {}
    existing = {a.question_id: a for a in Answer.objects.filter(application=application)}
    for question in english_questions(program, questions):
        text = normalize_text(str(ids[question.pk] or ""))
        limit = text_limit(question)
        if limit and len(text) > limit:
            errors[f"question_en:{question.code}"] = [
                _("Keep this under %(limit)s characters (you wrote %(count)s).") % {"limit": limit, "count": len(text)}
            ]
            continue
        answer = existing.get(question.pk)
        if answer is None:
            if text:
                Answer.objects.create(application=application, question=question, value=None, value_en=text)
        elif answer.value_en != text:
            answer.value_en = text
            answer.save(update_fields=["value_en", "updated_at"])
    return errors


def _save_declarations(application: Application, raw: dict[int, bool | None]) -> None:
    valid = set(Declaration.objects.filter(program_id=application.program_id).values_list("pk", flat=True))
    wanted = {_as_int(declaration_id): answer for declaration_id, answer in raw.items()}
    wanted = {declaration_id: answer for declaration_id, answer in wanted.items() if declaration_id in valid}
    _sync_rows(DeclarationAnswer, application=application, key="declaration_id", field="answer", wanted=wanted)


def _save_preferences(application: Application, partner_ids: list[int]) -> dict[str, list[str]]:
    allowed = set(application.program.partnerships.values_list("partner_id", flat=True))
    ranked = []
    for partner_id in partner_ids:
        if partner_id in (None, ""):
            continue
        if _as_int(partner_id) not in allowed:
            return {"preferences": [_("Choose among the program's partners.")]}
        if int(partner_id) in ranked:
            return {"preferences": [_("Rank each partner once.")]}
        ranked.append(int(partner_id))
    application.partner_preferences.all().delete()
    PartnerPreference.objects.bulk_create(
        [PartnerPreference(application=application, partner_id=pid, rank=rank) for rank, pid in enumerate(ranked, 1)]
    )
    return {}


def application_problems(application: Application) -> dict[str, list[str]]:
    """What stands between this application and submission, by field key; empty when complete.
    Reads related rows through `.all()`, so an application loaded `with_everything` costs no queries
    (but for a claimed bonus whose rule asks for a document: `bonus_evidence_problems`)."""
    problems: dict[str, list[str]] = {}
    required = _("This is required.")
    if not application.title.strip():
        problems["title"] = [required]
    if not application.summary.strip():
        problems["summary"] = [required]
    program = application.program
    track = application.track
    if track is None and program.tracks.all():
        problems["track"] = [_("Choose a track.")]
    if track is not None and application.startup.is_pre_founder and not track.admits_pre_founders:
        problems["track"] = [
            _("This track does not admit pre-founders; register your business number or choose another track.")
        ]
    answers = {a.question_id: a.value for a in application.answers.all()}
    typed = {a.question_id: a.typed for a in application.answers.all() if a.typed}
    english = {a.question_id: a.value_en for a in application.answers.all()}
    files = {a.question_id for a in application.attachments.all() if a.detached_at is None and a.question_id}
    for question in _questions_for(application):
        key = f"question:{question.code}"
        if question.kind == Question.Kind.FILE:
            if question.required and question.pk not in files:
                problems[key] = [_("Upload this document.")]
            continue
        value = answers.get(question.pk)
        if question.pk in typed:  # kept by a draft but not a valid answer: the form's own message
            value = typed[question.pk]
        if is_empty(value):
            if question.required:
                problems[key] = [required]
            continue
        try:
            clean_answer(question, value)
        except ValidationError as error:
            problems[key] = list(error.messages)
        else:
            if question.pk in typed:  # valid now (the question changed since): saving the form stores it
                problems[key] = [_("Save the form again to keep this answer.")]
    if program.english_for_partners:
        in_english = _("Give this in English too: the program's partners read it in English.")
        if not application.summary_en.strip():
            problems["summary_en"] = [in_english]
        for question in english_questions(program, _questions_for(application)):
            if (question.required or not is_empty(answers.get(question.pk))) and not english.get(question.pk):
                problems[f"question_en:{question.code}"] = [in_english]
    answered = {d.declaration_id for d in application.declaration_answers.all()}
    for declaration in program.declarations.all():
        if declaration.pk not in answered:
            problems[f"declaration:{declaration.code}"] = [_("Answer yes or no.")]
    if len(program.partnerships.all()) > 1 and not application.partner_preferences.all():
        problems["preferences"] = [_("Rank the partners you would like to work with.")]
    problems.update(bonus_evidence_problems(application))  # a claimed bonus's document, where its rule asks
    return problems


def application_eligibility(application: Application, *, on=None) -> list[str]:
    """Reasons the application would be ineligible if submitted now (company age, declarations)."""
    program = application.program
    startup = application.startup
    submitted_on = local_date(on or timezone.now(), program.time_zone)
    answers = {d.declaration_id: d.answer for d in application.declaration_answers.all()}
    return eligibility_reasons(
        max_company_age_years=program.max_company_age_years,
        founded_on=startup.founded_on,
        is_pre_founder=startup.is_pre_founder,
        track_admits_pre_founders=bool(application.track and application.track.admits_pre_founders),
        declarations=[
            DeclarationAnswered(text=str(d), answer=answers.get(d.pk), excluding_answer=d.excluding_answer)
            for d in program.declarations.all()
        ],
        on=submitted_on,
    )


def application_snapshot(application: Application) -> dict[str, Any]:
    """The content of the application as staff and evaluators will see it once submitted."""
    startup = application.startup
    questions = {q.pk: q for q in application.program.questions.all()}
    declarations = {d.pk: d.code for d in application.program.declarations.all()}
    answers = sorted(application.answers.all(), key=lambda a: (questions[a.question_id].order, a.question_id))
    # English texts for partners only where the program asks for them: other snapshots keep their shape.
    english = (
        {
            "summary_en": application.summary_en,
            "answers_en": {questions[a.question_id].code: a.value_en for a in answers if a.value_en},
        }
        if application.program.english_for_partners
        else {}
    )
    return _as_json(
        {
            **english,
            "title": application.title,
            "summary": application.summary,
            "track": application.track.code if application.track else None,
            "startup": {
                "name_ko": startup.name_ko,
                "name_en": startup.name_en,
                "brn": startup.brn,
                "founded_on": startup.founded_on,
                "ceo_name": startup.ceo_name,
                "employees": startup.employees,
                "annual_revenue_krw": startup.annual_revenue_krw,
                "website": startup.website,
                "sectors": sorted(sector.code for sector in startup.sectors.all()),
                "flags": sorted(startup.bonus_flags()),
            },
            "answers": {questions[a.question_id].code: a.value for a in answers if a.value is not None},
            "declarations": {declarations[d.declaration_id]: d.answer for d in application.declaration_answers.all()},
            "preferences": [p.partner_id for p in sorted(application.partner_preferences.all(), key=lambda p: p.rank)],
            "attachments": [
                {
                    "id": a.pk,
                    "question": questions[a.question_id].code if a.question_id else None,
                    "kind": a.kind,
                    "name": a.original_name,
                    "size": a.size,
                    "sha256": a.sha256,
                }
                for a in sorted(application.attachments.all(), key=lambda a: a.pk)
                if a.detached_at is None
            ],
        }
    )


def _issue_receipt_number(program: Program) -> str:
    # One statement that takes the program row's update lock (FOR NO KEY UPDATE, compatible with the
    # key-share lock every submission holds); the caller runs it last, so the lock that orders every
    # first submission of the program is held only until the commit right after.
    table = connection.ops.quote_name(Program._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET receipt_counter = receipt_counter + 1 WHERE id = %s RETURNING receipt_counter",  # noqa: S608
            [program.pk],
        )
        (counter,) = cursor.fetchone()
    return f"{program.receipt_prefix}-{counter:04d}"


def _share_program_lock(application_id: int) -> None:
    # The program row is locked first, as by every service that moves applications, but FOR KEY
    # SHARE: submissions do not wait for each other (nor for the receipt counter's UPDATE, which
    # takes FOR NO KEY UPDATE), while staff publishing, finalising or withdrawing (FOR UPDATE) wait
    # for the submissions in flight and they for staff. SQLite locks the whole database instead.
    program = connection.ops.quote_name(Program._meta.db_table)
    application = connection.ops.quote_name(Application._meta.db_table)
    lock = " FOR KEY SHARE OF p" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM {program} p JOIN {application} a ON a.program_id = p.id WHERE a.id = %s{lock}",  # noqa: S608
            [application_id],
        )


@transaction.atomic
def application_submit(
    *, application_id: int, by: User, consent_given: bool = False, ip: str | None = None
) -> Application:
    """Submit the working copy as the version staff see.

    Refused outside the window (database clock), when incomplete (ApplicationIncomplete), or
    by a non-member; the draft is untouched then. The first submission issues the receipt
    number. Submitting content identical to the last submission (a double click, a second tab)
    changes nothing and returns the same receipt. An application whose startup fails the
    eligibility rules is recorded as ineligible, with the reasons. The submitter must agree to the
    program's personal-data statement (`consent_given`, stored with its version) unless they agreed to
    that version before.
    """
    _share_program_lock(application_id)
    # Then the application row; the startup stays unlocked.
    application = with_everything(Application.objects.select_for_update(of=("self",))).get(pk=application_id)
    ensure_editable(application, by)
    problems = application_problems(application)
    if problems:
        raise ApplicationIncomplete(problems)
    # The program's personal-data statement, agreed to now or before (its version): refused otherwise.
    consent_for_submission(application=application, by=by, consent_given=consent_given, ip=ip)
    snapshot = application_snapshot(application)
    last = max(application.submissions.all(), key=lambda s: s.number, default=None)
    if last is not None and application.status != A.DRAFT and last.snapshot == snapshot:
        return application
    now = timezone.now()
    reasons = application_eligibility(application, on=now)
    target = A.INELIGIBLE if reasons else A.SUBMITTED
    previous = application.status
    if previous != target:
        ensure_transition(application, to=target)
    number = (last.number if last else 0) + 1
    Submission.objects.create(
        application=application, number=number, submitted_at=now, submitted_by=by, snapshot=snapshot
    )
    personal_deadline_resubmitted(application=application, at=now)
    # The message reads the receipt number from the application when it is rendered.
    notify(
        event=Notification.Event.APPLICATION_SUBMITTED,
        recipient=by,
        obj=application,
        scope=f"submission-{number}",
        program=application.program,
        context={"submission": number},
    )
    changes = {"status": target, "submitted_at": now, "ineligible_reasons": reasons, "updated_at": now}
    if application.first_submitted_at is None:
        changes.update(first_submitted_at=now, receipt_number=_issue_receipt_number(application.program))
    Application.objects.filter(pk=application.pk).update(**changes)
    for name, value in changes.items():
        setattr(application, name, value)
    webhooks_emit(
        event="application.submitted", obj=application, payload={"submission": number}, program=application.program
    )
    audit_record(
        actor=by,
        obj=application,
        verb="status_changed" if previous != target else "resubmitted",
        from_state=previous,
        to_state=target,
        data={"submission": number},
    )
    return application


@transaction.atomic
def application_withdraw_by_applicant(*, application: Application, by: User, reason: str = "") -> Application:
    """A member of the applying startup withdraws the application (possible until the selection is
    final); anyone else is refused."""
    ensure_active_member(startup=application.startup, user=by)
    return application_withdraw(application=application, by=by, reason=reason.strip())
