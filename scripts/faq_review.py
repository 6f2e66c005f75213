"""The FAQ review page for clinical reviewers: `make review` writes docs/faq-review.md.

For every FAQ entry the page shows its question, its answer as the patient reads it (the
placeholders filled with the values of organisation.yml), its source document, the passages of
that document it rests on, and the date and reviewer of its last review.

The review records live in data/review/faq/<source>.yml, one file per source document, and not
in the responses' metadata: Rasa copies response metadata into every bot event of every stored
transcript, and quotations there would swell the health-data store. Each record holds:

    passages        1 to 3 short quotations copied verbatim from the source file; a passage
                    from another document is written {source: <id>, text: "..."}
    reviewed        date of the last review of the answer as stored
    reviewer        who reviewed it, and what kind of review it was
    answer_sha256   SHA-256 of the answer text as stored (see --hash), so that a changed
                    answer cannot keep an old review

data/review/not_retained.yml lists the points of a review that were not applied, with the
reason; the page shows them first. tests/test_faq_review.py keeps all of this true.

    python -m scripts.faq_review               # write docs/faq-review.md
    python -m scripts.faq_review --check       # exit 1 if docs/faq-review.md is out of date
    python -m scripts.faq_review --hash SLUG   # the answer_sha256 to record after a review
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from organisation.settings import DEFAULT_FILE as ORGANISATION_FILE
from organisation.settings import load_organisation

PROJECT = Path(__file__).resolve().parent.parent
SOURCES_FILE = PROJECT / "data" / "sources.yml"
RESPONSES_DIR = PROJECT / "data" / "responses" / "faq"
REVIEWS_DIR = PROJECT / "data" / "review" / "faq"
NOT_RETAINED_FILE = PROJECT / "data" / "review" / "not_retained.yml"
OUTPUT = PROJECT / "docs" / "faq-review.md"

RESPONSE_PREFIX = "utter_faq/"
PASSAGES_PER_ENTRY = (1, 3)
MAX_PASSAGE_CHARS = 300

# Only whitespace and typographic apostrophes and double quotes are normalised when a
# passage is looked up in its source file; everything else must match character for character.
_TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "‛": "'", "ʼ": "'", "“": '"', "”": '"', "„": '"'})


@dataclass(frozen=True)
class Passage:
    source: str
    text: str


@dataclass(frozen=True)
class Review:
    slug: str
    source: str  # the source document whose review file holds the record
    passages: tuple[Passage, ...]
    reviewed: date
    reviewer: str
    answer_sha256: str


@dataclass(frozen=True)
class Entry:
    slug: str
    source: str
    question: str
    label: str
    text: str  # the answer as stored in data/responses/faq/<source>.yml


def load_sources() -> dict[str, dict]:
    return yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))["sources"]


def load_entries() -> dict[str, Entry]:
    """FAQ entries by slug, in the order of their response files."""
    entries: dict[str, Entry] = {}
    for path in sorted(RESPONSES_DIR.glob("*.yml")):
        responses = yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
        for name, variants in responses.items():
            if not name.startswith(RESPONSE_PREFIX):
                continue
            metadata = variants[0]["metadata"]
            slug = name.removeprefix(RESPONSE_PREFIX)
            entries[slug] = Entry(
                slug=slug,
                source=metadata["source"],
                question=metadata["question"],
                label=metadata["label"],
                text=variants[0]["text"],
            )
    return entries


def load_reviews() -> dict[str, Review]:
    """Review records by slug; the source is the name of the file that holds the record."""
    reviews: dict[str, Review] = {}
    for path in sorted(REVIEWS_DIR.glob("*.yml")):
        source = path.stem
        records = yaml.safe_load(path.read_text(encoding="utf-8")).get("reviews") or {}
        for slug, record in records.items():
            if slug in reviews:
                raise ValueError(f"{path}: {slug} is also reviewed in {reviews[slug].source}.yml")
            reviews[slug] = Review(
                slug=slug,
                source=source,
                passages=tuple(_passage(item, source) for item in record.get("passages") or ()),
                reviewed=record.get("reviewed"),
                reviewer=str(record.get("reviewer") or "").strip(),
                answer_sha256=str(record.get("answer_sha256") or "").strip(),
            )
    return reviews


def _passage(item: str | dict, default_source: str) -> Passage:
    if isinstance(item, dict):
        return Passage(source=item.get("source", default_source), text=str(item["text"]))
    return Passage(source=default_source, text=str(item))


def load_not_retained() -> list[dict]:
    if not NOT_RETAINED_FILE.exists():
        return []
    return yaml.safe_load(NOT_RETAINED_FILE.read_text(encoding="utf-8")).get("points") or []


def answer_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(text: str) -> str:
    """Whitespace collapsed, typographic apostrophes and quotes made straight."""
    return re.sub(r"\s+", " ", text.translate(_TYPOGRAPHIC)).strip()


def passage_is_in(passage: str, document: str) -> bool:
    return normalise(passage) in normalise(document)


def as_sent(text: str, variables: dict[str, str | None]) -> str:
    """The answer with the organisation's values in place of its {placeholders}."""

    def fill(match: re.Match) -> str:
        value = variables.get(match.group(1))
        return value if value is not None else match.group(0)

    return re.sub(r"\{(\w+)\}", fill, text)


def _escape(text: str) -> str:
    """Markdown-safe text: the answers and passages are shown as written, never as markup."""
    return re.sub(r"([\\`*_<>\[\]#|])", r"\\\1", text)


def _quote(text: str) -> list[str]:
    """A Markdown block quote keeping the paragraphs of `text`."""
    return [f"> {_escape(line)}" if line.strip() else ">" for line in text.strip().splitlines()]


def render() -> str:
    """The whole review page, as `make review` writes it."""
    sources = load_sources()
    entries = load_entries()
    reviews = load_reviews()
    variables = load_organisation(ORGANISATION_FILE).as_variables()
    lines = [
        "# Relecture des réponses de la FAQ",
        "",
        "Page générée par `make review` (`scripts/faq_review.py`) à partir de",
        "`data/responses/faq/`, `data/review/faq/` et `data/review/not_retained.yml` :",
        "ne pas la modifier à la main, la régénérer.",
        "",
        *_not_retained_section(load_not_retained()),
        *_introduction(entries, reviews),
    ]
    for source_id, source in sources.items():
        in_source = [entry for entry in entries.values() if entry.source == source_id]
        if not in_source:
            continue
        lines += [
            f"## « {source['title']} »",
            "",
            f"Document `{source['file']}` (identifiant `{source_id}`) : {source['topic']}.",
            f"{len(in_source)} entrées.",
            "",
        ]
        for entry in in_source:
            lines += _entry_section(entry, reviews.get(entry.slug), sources, variables)
    return "\n".join(lines).rstrip("\n") + "\n"


def _not_retained_section(points: list[dict]) -> list[str]:
    lines = ["## Points de la relecture non retenus", ""]
    if not points:
        return [*lines, "Aucun.", ""]
    for point in points:
        slugs = ", ".join(f"`{slug}`" for slug in point.get("entries") or ())
        lines += [
            f"- **{slugs}** : {_escape(point['point'].strip())}",
            f"  *Pourquoi* : {_escape(' '.join(point['reason'].split()))}",
        ]
    return [*lines, ""]


def _introduction(entries: dict[str, Entry], reviews: dict[str, Review]) -> list[str]:
    dates = sorted({review.reviewed for review in reviews.values() if review.reviewed})
    latest = dates[-1].isoformat() if dates else "aucune"
    return [
        "## Pour les relecteurs cliniques",
        "",
        f"L'assistant donne {len(entries)} réponses générales, chacune tirée d'un des documents",
        "de `sources/`. Chaque fiche ci-dessous montre la question, la réponse telle que le",
        "patient la lit, le document source et le ou les passages sur lesquels elle repose.",
        f"Dernière relecture enregistrée : {latest}.",
        "",
        "**Ce qu'il faut vérifier**, réponse par réponse, en lisant le passage (et au besoin le",
        "document entier) :",
        "",
        "1. la réponse dit ce que dit le document, ni plus ni moins : aucune affirmation",
        "   médicale absente du document, aucune nuance perdue (« rare » n'est pas",
        "   « extrêmement rare »), le même ordre d'importance ;",
        "2. ce qu'un document présente comme la pratique d'une clinique n'est pas donné comme",
        "   une règle générale ;",
        "3. le français est simple, les mots techniques sont expliqués, le ton est juste pour",
        "   une personne qui lit cela à un moment difficile ;",
        "4. la réponse renvoie vers l'équipe soignante pour toute situation personnelle.",
        "",
        "**Pour enregistrer une relecture** : corriger la réponse dans",
        "`data/responses/faq/<source>.yml` si besoin, puis dans `data/review/faq/<source>.yml`",
        "mettre à jour, pour l'entrée : `passages` (1 à 3 citations courtes copiées telles",
        "quelles du document), `reviewed` (la date), `reviewer` (le nom et la fonction du",
        "relecteur, ou la nature de la relecture) et `answer_sha256` (donné par",
        "`python -m scripts.faq_review --hash <slug>`). Lancer `make review` et valider le",
        "tout. `tests/test_faq_review.py` échoue si une réponse a changé depuis sa dernière",
        "relecture, si une citation ne figure pas dans son document, ou si cette page n'est",
        "pas à jour. Un point de relecture qu'on choisit de ne pas appliquer va, avec la",
        "raison, dans `data/review/not_retained.yml`.",
        "",
    ]


def _entry_section(
    entry: Entry, review: Review | None, sources: dict[str, dict], variables: dict
) -> list[str]:
    lines = [
        f"### {_escape(entry.question)}",
        "",
        f"Entrée `{entry.slug}`, bouton « {_escape(entry.label)} ».",
        "",
        "**Réponse envoyée**",
        "",
        *_quote(as_sent(entry.text, variables)),
        "",
    ]
    if review is None:
        return [*lines, "**Relecture** : aucune enregistrée.", ""]
    lines += ["**Passages du document**", ""]
    for passage in review.passages:
        where = ""
        if passage.source != entry.source:
            where = f" (document « {sources[passage.source]['title']} »)"
        lines += [f"- « {_escape(' '.join(passage.text.split()))} »{where}"]
    reviewed = review.reviewed.isoformat() if review.reviewed else "date manquante"
    current = review.answer_sha256 == answer_sha256(entry.text)
    status = "" if current else " **La réponse a changé depuis : à relire.**"
    return [*lines, "", f"**Dernière relecture** : {reviewed}, {review.reviewer}.{status}", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    parser.add_argument("--hash", nargs="+", metavar="SLUG", help="print the answer_sha256 of SLUG")
    parser.add_argument("--out", type=Path, default=OUTPUT, help="where to write the page")
    args = parser.parse_args(argv)
    if args.hash:
        entries = load_entries()
        for slug in args.hash:
            if slug not in entries:
                print(f"{slug}: no such FAQ entry", file=sys.stderr)
                return 2
            print(f"{slug}: {answer_sha256(entries[slug].text)}")
        return 0
    page = render()
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != page:
            print(f"{args.out} is out of date: run `make review`", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
