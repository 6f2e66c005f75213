"""The console's pages. Every view needs a signed-in account (LoginRequiredMiddleware);
admin pages also need the admin role. Message text only ever reaches templates, which
escape it: no view marks anything safe."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import wraps

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from console import audit, exports, handoff, index, plots, rasa_api, retention, tracker
from console.forms import AccountForm, FilterForm, ReplyForm, ReviewForm
from console.models import AuditEntry, Conversation, Question, Review, Status
from console.queue import current_rows
from console.transcripts import entries, fold

PAGE_SIZE = 50
PLOT_DAYS = 30
TOP_UNANSWERED = 15


def admin_required(view):
    """Admin pages: 403 for a signed-in staff member without the admin role."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


def _conversation(sender_id: str) -> Conversation:
    conversation = Conversation.objects.filter(sender_id=sender_id).first() or index.rebuild(
        sender_id
    )
    if conversation is None:
        raise Http404("Conversation inconnue")
    return conversation


@require_GET
def queue(request):
    index.refresh()
    rows = current_rows()
    return render(request, "console/queue.html", {"rows": rows, "now": timezone.now()})


def filtered_conversations(form: FilterForm):
    conversations = Conversation.objects.all()
    if not form.is_valid():
        return conversations
    data = form.cleaned_data
    if data["q"]:
        conversations = conversations.filter(search_text__contains=fold(data["q"]))
    if data["status"]:
        conversations = conversations.filter(status=data["status"])
    if data["channel"]:
        conversations = conversations.filter(channel=data["channel"])
    if data["tag"]:
        tagged = Review.objects.filter(tag=data["tag"]).values("sender_id")
        conversations = conversations.filter(sender_id__in=tagged)
    if data["start"]:
        conversations = conversations.filter(last_message_at__date__gte=data["start"])
    if data["end"]:
        conversations = conversations.filter(started_at__date__lte=data["end"])
    return conversations


@require_GET
def conversation_list(request):
    index.refresh()
    form = FilterForm(request.GET or None)
    page = Paginator(filtered_conversations(form), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/conversations.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
def conversation_detail(request, sender_id: str):
    conversation = _conversation(sender_id)
    audit.record(request.user.username, "view", sender_id)
    context = {
        "conversation": conversation,
        "entries": entries(tracker.conversation_events(sender_id)),
        "claim": handoff.open_claim(sender_id),
        "reviews": Review.objects.filter(sender_id=sender_id).select_related("author"),
        "reply_form": ReplyForm(),
        "review_form": ReviewForm(),
    }
    return render(request, "console/conversation.html", context)


def _handoff_action(action):
    """POST views acting on a handed-off conversation: errors become a message on the page."""

    @wraps(action)
    @require_POST
    def view(request, sender_id: str):
        _conversation(sender_id)
        try:
            notice = action(request, sender_id)
        except (handoff.NotAllowed, rasa_api.RasaUnavailable) as error:
            messages.error(request, str(error))
        else:
            if notice:
                messages.success(request, notice)
        return redirect("conversation", sender_id=sender_id)

    return view


@_handoff_action
def claim(request, sender_id: str) -> str:
    handoff.claim(sender_id, request.user)
    return "Vous avez pris la conversation en charge : l'assistant ne répond plus."


@_handoff_action
def reply(request, sender_id: str) -> str:
    form = ReplyForm(request.POST)
    if not form.is_valid():
        raise handoff.NotAllowed(" ".join(form.errors.get("text", ["Message invalide."])))
    handoff.reply(sender_id, request.user, form.cleaned_data["text"])
    return "Message envoyé au patient."


@_handoff_action
def hand_back(request, sender_id: str) -> str:
    handoff.end(sender_id, request.user, hand_back=True)
    return "Conversation rendue à l'assistant ; le patient en est informé."


@_handoff_action
def close(request, sender_id: str) -> str:
    handoff.end(sender_id, request.user, hand_back=False)
    return "Conversation close."


@require_POST
def add_review(request, sender_id: str):
    _conversation(sender_id)
    form = ReviewForm(request.POST)
    if form.is_valid():
        review = form.save(commit=False)
        review.sender_id, review.author = sender_id, request.user
        review.save()
        audit.record(request.user.username, "review", sender_id, review.tag)
        messages.success(request, "Relecture enregistrée.")
    else:
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    return redirect("conversation", sender_id=sender_id)


@require_GET
def export(request, sender_id: str, file_format: str):
    if file_format not in ("json", "csv"):
        raise Http404
    _conversation(sender_id)
    transcript = entries(tracker.conversation_events(sender_id))
    audit.record(request.user.username, f"export_{file_format}", sender_id)
    if file_format == "json":
        body, content_type = exports.as_json(sender_id, transcript), "application/json"
    else:
        body, content_type = exports.as_csv(transcript), "text/csv"
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    filename = f"conversation-{fold(sender_id)[:40]}.{file_format}"
    safe_name = "".join(c if c.isalnum() or c in "-." else "_" for c in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


@admin_required
def erase(request, sender_id: str):
    conversation = _conversation(sender_id)
    if request.method == "POST":
        retention.erase([sender_id])
        audit.record(request.user.username, "erase", sender_id)
        messages.success(request, "Conversation effacée.")
        return redirect("conversations")
    return render(request, "console/erase_confirm.html", {"conversation": conversation})


# --- what to improve ---------------------------------------------------------------------


def _since():
    return timezone.now() - timedelta(days=PLOT_DAYS)


def _recent_status_counts() -> Counter:
    """Conversations started in the last PLOT_DAYS days, by status."""
    recent = Conversation.objects.filter(started_at__gte=_since())
    return Counter(dict(recent.values_list("status").annotate(n=Count("id"))))


def _unanswered(limit: int = TOP_UNANSWERED) -> list[tuple[str, int]]:
    rows = (
        Question.objects.filter(outcome=Status.FALLBACK, at__gte=_since())
        .values("normalised")
        .annotate(count=Count("id"))
        .order_by("-count", "normalised")[:limit]
    )
    return [(row["normalised"], row["count"]) for row in rows]


@require_GET
def improve(request):
    index.refresh()
    counts = _recent_status_counts()
    context = {
        "days": PLOT_DAYS,
        "total": sum(counts.values()),
        "counts": [(s.label, counts.get(s, 0)) for s in Status],
        "unanswered": _unanswered(),
    }
    return render(request, "console/improve.html", context)


@require_GET
def plot(request, name: str):
    if name == "per-day":
        today = timezone.localdate()
        rows = (
            Conversation.objects.filter(started_at__gte=_since())
            .annotate(day=TruncDate("started_at"))
            .values_list("day", "status")
            .annotate(n=Count("id"))
        )
        image = plots.per_day({(d, s): n for d, s, n in rows}, today - timedelta(PLOT_DAYS), today)
    elif name == "shares":
        image = plots.shares(_recent_status_counts())
    elif name == "unanswered":
        image = plots.unanswered(_unanswered())
    else:
        raise Http404
    return HttpResponse(image, content_type="image/png")


# --- administration ----------------------------------------------------------------------


@admin_required
def accounts(request):
    users = get_user_model()
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = users(username=data["username"], is_staff=True, is_superuser=data["admin"])
        user.set_password(data["password"])
        user.save()
        audit.record(request.user.username, "create_account", detail=user.username)
        messages.success(request, f"Compte {user.username} créé.")
        return redirect("accounts")
    locked = set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT
        ).values_list("username", flat=True)
    )
    listing = [(u, u.username in locked) for u in users.objects.order_by("username")]
    return render(request, "console/accounts.html", {"form": form, "accounts": listing})


@admin_required
@require_POST
def account_action(request, user_id: int, action: str):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    if action == "unlock":
        axes_reset(username=user.username)
    elif action in ("disable", "enable"):
        if user == request.user:
            raise PermissionDenied
        user.is_active = action == "enable"
        user.save(update_fields=["is_active"])
    else:
        raise Http404
    audit.record(request.user.username, f"account_{action}", detail=user.username)
    messages.success(request, f"Compte {user.username} : fait.")
    return redirect("accounts")


@admin_required
@require_GET
def audit_log(request):
    search = Q()
    if request.GET.get("sender_id"):
        search = Q(sender_id=request.GET["sender_id"])
    page = Paginator(AuditEntry.objects.filter(search), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "console/audit.html", {"page": page})
