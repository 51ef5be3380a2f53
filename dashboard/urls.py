from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:store>/", views.store_overview, name="store_overview"),
    path("s/<slug:store>/members/", views.store_members, name="store_members"),
]
