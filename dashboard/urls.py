from django.urls import path

from .views import stores

urlpatterns = [
    path("", stores.home, name="home"),
    path("s/<slug:store>/", stores.store_overview, name="store_overview"),
    path("s/<slug:store>/members/", stores.store_members, name="store_members"),
]
