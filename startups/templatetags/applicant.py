"""Template helpers for the applicant pages."""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma as humanize_intcomma

register = template.Library()

# django.contrib.humanize is not an installed app; its `intcomma` is all these pages need.
register.filter("intcomma", humanize_intcomma, is_safe=True)
