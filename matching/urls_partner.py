from django.urls import path

from matching import views_partner

app_name = "partner"

urlpatterns = [
    path("", views_partner.home, name="home"),
    path("programs/<int:program_id>/finalists/", views_partner.finalists, name="finalists"),
    path("programs/<int:program_id>/ranking/", views_partner.ranking, name="ranking"),
    path("events/<int:event_id>/availability/", views_partner.availability, name="availability"),
]
