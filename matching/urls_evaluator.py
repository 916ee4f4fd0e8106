from django.urls import path

from matching import views_evaluator, views_pledge

app_name = "evaluator"

urlpatterns = [
    path("", views_evaluator.assignment_list, name="list"),
    path("assignments/<int:pk>/", views_evaluator.assignment_detail, name="detail"),
    path("assignments/<int:pk>/recuse/", views_evaluator.assignment_recuse, name="recuse"),
    path("assignments/<int:pk>/pledge/", views_pledge.pledge, name="pledge"),
    path("assignments/<int:pk>/declare/", views_pledge.declare, name="declare"),
    path("welcome/<str:uidb64>/<str:token>/", views_evaluator.welcome, name="welcome"),
]
