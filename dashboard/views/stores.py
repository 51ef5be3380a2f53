from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from storeapi.models import Membership


@require_GET
@login_required
def home(request):
    """The operator's stores; an empty state when there are none."""
    memberships = list(Membership.objects.for_operator(request.user))
    return render(request, "dashboard/home.html", {"memberships": memberships})
