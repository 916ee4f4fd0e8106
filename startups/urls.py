"""Applicant pages, under two namespaces: `applications` and `startup`."""

from django.urls import include, path

from startups.views import appeals, applications, downloads, exclusions, members, seat, startup

application_patterns = [
    path("programs/<slug:slug>/apply/", applications.start, name="start"),
    path("applications/", applications.application_list, name="list"),
    path("applications/<int:pk>/", applications.detail, name="detail"),
    path("applications/<int:pk>/edit/", applications.edit, name="edit"),
    path("applications/<int:pk>/autosave/", applications.autosave, name="autosave"),
    path("applications/<int:pk>/review/", applications.review, name="review"),
    path("applications/<int:pk>/submit/", applications.submit, name="submit"),
    path("applications/<int:pk>/withdraw/", applications.withdraw, name="withdraw"),
    path("applications/<int:pk>/exclusions/", exclusions.exclusions, name="exclusions"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_pk>/remove/",
        applications.attachment_remove_view,
        name="attachment_remove",
    ),
    path("attachments/<int:pk>/download/", downloads.download, name="download"),
    path("applications/<int:pk>/appeals/<int:round_pk>/new/", appeals.appeal_new, name="appeal_new"),
    path("appeal-files/<int:pk>/download/", appeals.appeal_download, name="appeal_download"),
    path("applications/<int:pk>/seat/accept/", seat.accept, name="seat_accept"),
    path("applications/<int:pk>/seat/decline/", seat.decline, name="seat_decline"),
    path(
        "applications/<int:pk>/agreement/<int:requirement_pk>/upload/",
        seat.agreement_upload,
        name="agreement_upload",
    ),
    path("agreement-files/<int:pk>/download/", seat.agreement_download, name="agreement_download"),
]

startup_patterns = [
    path("startup/", startup.profile, name="profile"),
    path("startup/edit/", startup.edit, name="edit"),
    path("startup/join/<int:pk>/", startup.join, name="join"),
    path("startup/members/<int:pk>/decide/", startup.decide, name="decide"),
    path("startup/members/<int:pk>/remove/", members.remove, name="member_remove"),
    path("startup/members/<int:pk>/make-owner/", members.make_owner, name="member_make_owner"),
]

urlpatterns = [
    path("", include((application_patterns, "applications"))),
    path("", include((startup_patterns, "startup"))),
]
