"""`{% personal_deadline_of application as personal %}`: the personal deadline in force (or None), for the
banner on the application pages."""

from django import template

from startups.services.deadlines import personal_deadline_in_force

register = template.Library()


@register.simple_tag
def personal_deadline_of(application):
    if application is None or getattr(application, "pk", None) is None:
        return None
    return personal_deadline_in_force(application)
