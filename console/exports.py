"""A conversation as a file: JSON for tools, CSV for spreadsheets (safe against formulas)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict

from console.transcripts import Entry

COLUMNS = ["at", "kind", "author", "text", "intent", "confidence", "answer", "flags"]
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def _row(entry: Entry) -> dict:
    row = asdict(entry)
    row["at"] = entry.at.isoformat()
    row["flags"] = list(entry.flags)
    row["buttons"] = list(entry.buttons)
    return row


def as_json(sender_id: str, entries: list[Entry]) -> str:
    return json.dumps(
        {"sender_id": sender_id, "entries": [_row(e) for e in entries]},
        ensure_ascii=False,
        indent=2,
    )


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def as_csv(entries: list[Entry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = _row(entry)
        row["flags"] = " ".join(row["flags"])
        writer.writerow([safe_cell(row[column]) for column in COLUMNS])
    return buffer.getvalue()
