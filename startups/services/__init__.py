"""Writes for startups and applications. Each module holds one concern; the names are re-exported
so callers write `from startups.services import application_submit`."""

from startups.services.applications import (
    ApplicationIncomplete,
    application_eligibility,
    application_problems,
    application_save_draft,
    application_snapshot,
    application_start,
    application_submit,
    application_withdraw_by_applicant,
    ensure_window_open,
)
from startups.services.attachments import attachment_add, attachment_remove
from startups.services.staff import application_mark_ineligible, application_reinstate, application_withdraw
from startups.services.startups import (
    StartupExists,
    startup_join_request,
    startup_member_decide,
    startup_register,
    startup_update,
)

__all__ = [
    "ApplicationIncomplete",
    "StartupExists",
    "application_eligibility",
    "application_mark_ineligible",
    "application_problems",
    "application_reinstate",
    "application_save_draft",
    "application_snapshot",
    "application_start",
    "application_submit",
    "application_withdraw",
    "application_withdraw_by_applicant",
    "attachment_add",
    "attachment_remove",
    "ensure_window_open",
    "startup_join_request",
    "startup_member_decide",
    "startup_register",
    "startup_update",
]
