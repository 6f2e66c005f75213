"""Signing in: lock-outs that stop password guessing without letting an outsider lock staff out.

django-axes counts failures per account AND address (settings: AXES_LOCKOUT_PARAMETERS), so
a stranger typing a colleague's name locks only their own address out of that account. This
view adds the per-address cap: ADDRESS_FAILURE_LIMIT failures over any accounts within the
cool-off, and that address may not try again. Behind the production proxy (nginx appends the
client to X-Forwarded-For), the client's address is the last one of that header.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator


def client_address(request: HttpRequest) -> str:
    """The client's address (axes uses it too: AXES_CLIENT_IP_CALLABLE)."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded.strip():
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def failures_from(address: str) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


@method_decorator(login_not_required, name="dispatch")
class SignInView(LoginView):
    template_name = "console/login.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and (
            failures_from(client_address(request)) >= settings.ADDRESS_FAILURE_LIMIT
        ):
            return render(request, "console/locked_out.html", {"by_address": True}, status=429)
        return super().dispatch(request, *args, **kwargs)
