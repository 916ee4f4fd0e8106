"""`{% after_publication_of application as rounds %}`: feedback and appeals for the status page."""

from django import template

from matching.feedback import after_publication_for

register = template.Library()


@register.simple_tag(takes_context=True)
def after_publication_of(context, application):
    return after_publication_for(application=application, actor=context["request"].user)
