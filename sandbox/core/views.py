"""Pages outside the API: the index of stores."""

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Store


@require_GET
def index(request):
    return render(request, "sandbox/index.html", {"stores": Store.objects.all()})


def server_error(request):
    """A 500 in the API's shape under /api/admin/, a plain page elsewhere."""
    if "/api/admin/" in request.path:
        return JsonResponse({"detail": "A server error occurred."}, status=500)
    return HttpResponseServerError("<h1>Server Error (500)</h1>")
