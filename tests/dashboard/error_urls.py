"""The site's URLs and error handlers, plus a view with a bug (tests of the 500 page)."""

from django.urls import path

from config import urls as site


def bug(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("test-bug/", bug), *site.urlpatterns]
handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
