from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("account/my-data/", views.my_data, name="my_data"),
    path("account/my-data/<int:job_id>/download/", views.my_data_download, name="my_data_download"),
    path("privacy/statements/<int:pk>/", views.statement, name="statement"),
]
