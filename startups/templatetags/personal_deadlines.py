"""`{% application_deadline_of application as deadline %}`: the application's deadline (`deadline.until`,
the program's or a later personal one, `deadline.own`) and the personal deadline in force
(`deadline.personal`, or None), for the deadline bar and the banner on the application pages."""

from django import template

from startups.services.deadlines import application_deadline

register = template.Library()


@register.simple_tag
def application_deadline_of(application):
    if application is None or getattr(application, "pk", None) is None:
        return None
    return application_deadline(application)
