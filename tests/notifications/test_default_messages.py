"""The wording shipped in `notifications/default_messages/`: one file per event and language, each a
valid template for its event that renders to a complete message on the event's sample values."""

import pytest
from django.utils.translation import override

from notifications.defaults import DEFAULTS_DIR, default_template
from notifications.events import EVENTS
from notifications.models import Notification
from notifications.rendering import placeholders_used, render_message, template_problems

LANGUAGES = ("ko", "en")
PAIRS = [(event, language) for event in Notification.Event.values for language in LANGUAGES]
E = Notification.Event


def render(event: str, language: str, **values):
    subject, body = default_template(event, language)
    with override(language):
        return render_message(subject=subject, body=body, values={**EVENTS[event].sample(), **values})


@pytest.mark.parametrize(("event", "language"), PAIRS)
def test_every_event_has_shipped_wording_in_each_language(event, language):
    subject, body = default_template(event, language)

    assert subject
    assert body.strip()


def test_no_shipped_file_is_for_an_unknown_event_or_language():
    expected = {f"{event}.{language}.txt" for event, language in PAIRS}

    assert {path.name for path in DEFAULTS_DIR.glob("*.txt")} == expected


@pytest.mark.parametrize(("event", "language"), PAIRS)
def test_each_shipped_subject_and_body_is_a_valid_template_for_its_event(event, language):
    subject, body = default_template(event, language)

    assert template_problems(event, subject) == []
    assert template_problems(event, body) == []


@pytest.mark.parametrize(("event", "language"), PAIRS)
def test_each_shipped_message_renders_completely_on_its_sample_values(event, language):
    message = render(event, language)
    with override(language):
        sample_name = EVENTS[event].sample()["recipient_name"]

    for output in (message.subject, message.text):
        assert "{{" not in output
        assert "{%" not in output
        assert "}}" not in output
    assert message.subject
    assert "\n" not in message.subject
    assert message.subject.startswith("[")
    assert sample_name in message.text.splitlines()[0]


@pytest.mark.parametrize("event", Notification.Event.values)
def test_korean_and_english_wording_use_the_same_placeholders(event):
    korean, english = (default_template(event, language) for language in LANGUAGES)

    assert placeholders_used(korean[0] + korean[1]) == placeholders_used(english[0] + english[1])


@pytest.mark.parametrize(("event", "language"), PAIRS)
def test_no_shipped_message_prints_a_true_or_false(event, language):
    # Booleans belong in {% if %}; printed, they would read "True" or "False".
    for outcome in (True, False):
        message = render(event, language, resubmitted=outcome, advanced=outcome, selected=outcome, reserve=outcome)

        assert "True" not in message.text
        assert "False" not in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_round_result_says_different_things_when_advanced_and_when_not(language):
    advanced = render(E.ROUND_RESULT, language, advanced=True)
    not_advanced = render(E.ROUND_RESULT, language, advanced=False)

    assert advanced.text != not_advanced.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_selection_decision_says_different_things_for_selected_reserve_and_not_selected(language):
    selected = render(E.SELECTION_DECISION, language, selected=True, reserve=False, position=3)
    reserve = render(E.SELECTION_DECISION, language, selected=False, reserve=True, position=3)
    not_selected = render(E.SELECTION_DECISION, language, selected=False, reserve=False, position="")

    assert len({selected.text, reserve.text, not_selected.text}) == 3


@pytest.mark.parametrize("language", LANGUAGES)
def test_reserve_decision_names_the_place_on_the_reserve_list(language):
    message = render(E.SELECTION_DECISION, language, selected=False, reserve=True, position=7)

    assert "7" in message.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_submission_receipt_says_when_it_replaces_an_earlier_submission(language):
    first = render(E.APPLICATION_SUBMITTED, language, submission=1, resubmitted=False)
    again = render(E.APPLICATION_SUBMITTED, language, submission=2, resubmitted=True)

    assert first.text != again.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_reads_well_without_a_round(language):
    message = render(E.EVALUATOR_INVITED, language, round="")

    assert "\n\n\n" not in message.text
    assert not any(line.startswith("- ") and line.rstrip().endswith(":") for line in message.text.splitlines())


@pytest.mark.parametrize(("event", "language"), PAIRS)
def test_each_message_has_a_link_and_links_stand_on_their_own_line(event, language):
    message = render(event, language)
    urls = [value for name, value in EVENTS[event].sample().items() if name.endswith("_url")]
    linked = [url for url in urls if url in message.text]

    assert linked
    for url in linked:
        assert url in message.text.splitlines()
