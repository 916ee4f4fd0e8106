"""Message templates: a small subset of the Django template language that staff edit in the admin.

`{{ placeholder }}` and `{% if … %}{% elif … %}{% else %}{% endif %}` with a few filters (`date`,
`default`, `upper`, `lower`, `pluralize`). Each event has a fixed set of placeholders
(`notifications.events`); a template naming any other one, or using another tag, is refused
when it is saved. Values are never parsed as template code. The plain-text part is sent as
written; the HTML part escapes everything, so markup in a startup's name stays text.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator
from typing import Any

from django.template import Context, Engine, Library, Template, TemplateSyntaxError
from django.template.base import FilterExpression, VariableNode
from django.template.defaultfilters import date, default, lower, pluralize, upper
from django.template.defaulttags import IfNode, TemplateLiteral, do_if
from django.utils.html import escape, linebreaks, urlize
from django.utils.translation import gettext

from notifications.events import EVENTS

register = Library()
register.tag("if", do_if)
for _filter in (date, default, lower, pluralize, upper):
    register.filter(_filter.__name__, _filter)


class _MessageEngine(Engine):
    # Only this module's tags and filters: no {% include %}, {% load %}, {% url %} or {% debug %}.
    default_builtins = ["notifications.rendering"]


ENGINE = _MessageEngine(autoescape=False, string_if_invalid="")


@functools.lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    # A batch renders the same wording thousands of times: parse it once per process.
    return ENGINE.from_string(source)


@dataclasses.dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _expression_names(expression: FilterExpression) -> Iterator[str]:
    lookups = getattr(expression.var, "lookups", None)
    if lookups:
        yield lookups[0]
    for _func, args in expression.filters:
        for is_variable, arg in args:
            if is_variable and arg.lookups:
                yield arg.lookups[0]


def _condition_names(condition: Any) -> Iterator[str]:
    if isinstance(condition, TemplateLiteral):
        yield from _expression_names(condition.value)
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            yield from _condition_names(part)


def placeholders_used(source: str) -> set[str]:
    """The placeholder names a template refers to; raises TemplateSyntaxError if it does not parse."""
    nodelist = _compiled(source).nodelist
    names: set[str] = set()
    for node in nodelist.get_nodes_by_type(VariableNode):
        names.update(_expression_names(node.filter_expression))
    for node in nodelist.get_nodes_by_type(IfNode):
        for condition, _nodes in node.conditions_nodelists:
            if condition is not None:
                names.update(_condition_names(condition))
    return names


def template_problems(event: str, source: str) -> list[str]:
    """What is wrong with `source` as a template for `event`, in words for the person editing it."""
    try:
        used = placeholders_used(source)
    except TemplateSyntaxError as error:
        return [gettext("The template cannot be read: %(error)s") % {"error": error}]
    unknown = sorted(used - set(EVENTS[event].placeholders))
    if unknown:
        return [
            gettext("Unknown placeholder(s): %(names)s. This message can use: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "allowed": ", ".join(sorted(EVENTS[event].placeholders)),
            }
        ]
    return []


def render_message(*, subject: str, body: str, values: dict[str, Any]) -> RenderedMessage:
    """Render a template with the event's values. The subject is one line (no header injection)."""
    context = Context(values, autoescape=False)
    subject_text = " ".join(_compiled(subject).render(context).split())
    text = _compiled(body).render(context).strip() + "\n"
    html = urlize(linebreaks(escape(text)), nofollow=True, autoescape=False)
    return RenderedMessage(subject=subject_text, text=text, html=html)
