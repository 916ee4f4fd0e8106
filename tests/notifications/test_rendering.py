"""The template subset staff write messages in: which placeholders and tags it accepts, and how
values are inserted."""

import pytest
from django.utils import translation

from notifications.models import Notification
from notifications.rendering import placeholders_used, render_message, template_problems
from notifications.services import message_template_problems

E = Notification.Event


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def test_placeholders_are_found_in_text_conditions_and_filter_arguments():
    source = "{{ startup }}{% if advanced and not receipt_number %}{{ round|default:program }}{% endif %}"

    assert placeholders_used(source) == {"startup", "advanced", "receipt_number", "round", "program"}


def test_a_placeholder_the_event_does_not_have_is_refused_with_the_allowed_ones_listed():
    [problem] = template_problems(E.APPLICATION_SUBMITTED, "Hello {{ ceo_phone }}")

    assert problem.startswith("Unknown placeholder(s): {{ ceo_phone }}.")
    assert "receipt_number" in problem


def test_an_unknown_placeholder_hidden_in_a_condition_is_refused():
    assert template_problems(E.ROUND_RESULT, "{% if score > 80 %}well done{% endif %}")


def test_an_unknown_placeholder_in_a_filter_argument_is_refused():
    assert template_problems(E.ROUND_RESULT, "{{ round|default:secret_key }}")


@pytest.mark.parametrize(
    "source",
    [
        "{% load static %}",
        "{% include 'admin/base.html' %}",
        "{% url 'admin:index' %}",
        "{% debug %}",
        "{% for x in startup %}{{ x }}{% endfor %}",
        "{{ startup|safe }}",
    ],
)
def test_tags_and_filters_outside_the_allowed_set_are_refused(source):
    [problem] = template_problems(E.APPLICATION_SUBMITTED, source)

    assert problem.startswith("The template cannot be read:")


def test_an_unclosed_condition_is_refused():
    assert template_problems(E.ROUND_RESULT, "{% if advanced %}Congratulations")


def test_allowed_placeholders_tags_and_filters_pass():
    source = "{{ recipient_name|upper }} {% if advanced %}yes{% elif receipt_number %}no{% else %}-{% endif %}"

    assert template_problems(E.ROUND_RESULT, source) == []


def test_a_subject_on_two_lines_is_refused():
    problems = message_template_problems(event=E.ROUND_RESULT, subject="One\nTwo", body="{{ startup }}")

    assert problems == {"subject": ["The subject must be a single line."]}


def test_a_value_with_a_line_break_cannot_add_a_header_through_the_subject():
    rendered = render_message(subject="[{{ startup }}] result", body="-", values={"startup": "Acme\r\nBcc: a@b.c"})

    assert rendered.subject == "[Acme Bcc: a@b.c] result"


def test_the_text_part_keeps_values_as_written_and_the_html_part_escapes_them():
    rendered = render_message(subject="s", body="Hello {{ startup }}", values={"startup": "<b>Acme</b> & Co"})

    assert rendered.text == "Hello <b>Acme</b> & Co\n"
    assert "Hello &lt;b&gt;Acme&lt;/b&gt; &amp; Co" in rendered.html


def test_links_in_the_html_part_are_clickable():
    rendered = render_message(subject="s", body="{{ url }}", values={"url": "https://matchday.example.org/a/1/"})

    assert 'href="https://matchday.example.org/a/1/"' in rendered.html


def test_a_missing_value_renders_as_nothing_rather_than_failing():
    assert render_message(subject="s", body="[{{ position }}]", values={}).text == "[]\n"
