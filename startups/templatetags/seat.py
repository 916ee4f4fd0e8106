"""`{% seat_of application as seat %}`: the seat section's facts for the application's status page."""

from django import template

from matching.services.acceptance import seat_of as seat_state

register = template.Library()


@register.simple_tag
def seat_of(application):
    return seat_state(application=application)
