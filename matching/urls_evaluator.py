from django.urls import path

from matching import views_evaluator

app_name = "evaluator"

urlpatterns = [
    path("", views_evaluator.assignment_list, name="list"),
    path("assignments/<int:pk>/", views_evaluator.assignment_detail, name="detail"),
    path("assignments/<int:pk>/recuse/", views_evaluator.assignment_recuse, name="recuse"),
    path("welcome/<str:uidb64>/<str:token>/", views_evaluator.welcome, name="welcome"),
]
