"""The "what to improve" figures, drawn by matplotlib as PNG images."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # no screen on a server
import matplotlib.pyplot as plt  # noqa: E402

from console.models import Status  # noqa: E402

COLOURS = {
    Status.ANSWERED: "#2e7d32",
    Status.FALLBACK: "#f9a825",
    Status.HANDED_OFF: "#1565c0",
    Status.URGENT: "#c62828",
}
LABEL_CHARS = 60


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def per_day(counts: dict[tuple[date, str], int], first: date, last: date) -> bytes:
    """Stacked bars: conversations started each day, by status."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    figure, axes = plt.subplots(figsize=(9, 3.2))
    bottom = [0] * len(days)
    for status in reversed(list(COLOURS)):
        heights = [counts.get((day, status), 0) for day in days]
        axes.bar(days, heights, bottom=bottom, color=COLOURS[status], label=status.label)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_ylabel("Conversations")
    axes.legend(fontsize=8, loc="upper left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.autofmt_xdate()
    return _png(figure)


def shares(counts: Counter) -> bytes:
    """Horizontal bars: the share of conversations in each status."""
    total = sum(counts.values()) or 1
    statuses = list(COLOURS)
    values = [100 * counts.get(s, 0) / total for s in statuses]
    figure, axes = plt.subplots(figsize=(6, 2.6))
    axes.barh([s.label for s in statuses], values, color=[COLOURS[s] for s in statuses])
    for y, value in enumerate(values):
        axes.text(value + 1, y, f"{value:.0f} %", va="center", fontsize=9)
    axes.set_xlim(0, 110)
    axes.set_xlabel(f"% des {sum(counts.values())} conversations")
    axes.invert_yaxis()
    return _png(figure)


def unanswered(questions: list[tuple[str, int]]) -> bytes:
    """Horizontal bars: the most frequent messages the assistant did not understand."""
    figure, axes = plt.subplots(figsize=(9, 0.4 * max(len(questions), 3) + 1))
    labels = [_short(text) for text, _ in questions]
    axes.barh(labels, [count for _, count in questions], color=COLOURS[Status.FALLBACK])
    axes.invert_yaxis()
    axes.set_xlabel("Nombre de fois")
    axes.xaxis.get_major_locator().set_params(integer=True)
    if not questions:
        axes.text(0.5, 0.5, "Aucune question sans réponse", ha="center", transform=axes.transAxes)
    return _png(figure)


def _short(text: str) -> str:
    text = text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"
    return text.replace("$", r"\$")  # shown as typed, not as matplotlib's math notation
