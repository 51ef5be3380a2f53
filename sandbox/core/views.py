"""Pages outside the API: the index of stores."""

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
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


@require_GET
def export_file(request, store, token):
    """A signed, expiring download link to an export's CSV (like a pre-signed S3 URL)."""
    from . import exports
    from .models import Export

    claims = exports.unsign(token)
    if claims is None or claims.get("store") != store:
        return HttpResponse(
            "Request has expired or the signature does not match.", status=403, content_type="text/plain"
        )
    export = Export.objects.filter(id=claims.get("export"), store__subdomain=store, status=Export.AVAILABLE).first()
    if export is None:
        return HttpResponse("Not found.", status=404, content_type="text/plain")
    response = HttpResponse(export.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.type}-{export.id}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
