"""`{% exclusions_offered application as offered %}`: whether the status page links to the exclusion
requests — the statuses the exclusion service takes requests in, read from the service."""

from django import template

from matching.services.exclusions import OPEN_APPLICATION_STATUSES

register = template.Library()


@register.simple_tag
def exclusions_offered(application) -> bool:
    return application.status in OPEN_APPLICATION_STATUSES
