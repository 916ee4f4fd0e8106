from django.urls import path

from matching import views_meetings

app_name = "meetings"

urlpatterns = [
    path("", views_meetings.agenda, name="agenda"),
    path("agenda.ics", views_meetings.agenda_ics, name="agenda_ics"),
    path("feed/", views_meetings.feed_create, name="feed_create"),
    path("feed/revoke/", views_meetings.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", views_meetings.feed, name="feed"),
    path("print/<int:event_id>/partner/<int:partner_id>/", views_meetings.print_partner, name="print_partner"),
    path("print/<int:event_id>/startup/<int:application_id>/", views_meetings.print_startup, name="print_startup"),
    path("print/<int:event_id>/room/<int:table_id>/", views_meetings.print_room, name="print_room"),
]
