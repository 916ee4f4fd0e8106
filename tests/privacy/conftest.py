import pytest

from matching.models import Program
from tests import factories


def complete_draft(program, *, founder=None, **application_fields):
    """A draft with everything its program asks for, a file, and the founder who wrote it."""
    track = program.tracks.first() or factories.TrackFactory(program=program)
    question = program.questions.first() or factories.QuestionFactory(program=program, required=True)
    declaration = program.declarations.first() or factories.DeclarationFactory(program=program)
    founder = founder or factories.UserFactory()
    application = factories.ApplicationFactory(program=program, track=track, **application_fields)
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    factories.AnswerFactory(application=application, question=question, value="반복 문의 자동화")
    factories.DeclarationAnswerFactory(application=application, declaration=declaration, answer=False)
    return application, founder


@pytest.fixture
def open_program(db):
    program = factories.ProgramFactory(status=Program.Status.OPEN, receipt_prefix="PRIV2025")
    factories.PrivacyStatementFactory(program=program)
    return program
