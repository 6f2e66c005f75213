"""The review records of the FAQ answers (data/review/faq/) and the page made from them.

Every answer has a review whose quotations really are in its source document, and a changed
answer cannot keep an old review: its stored hash no longer matches. No model, no server.
"""

from __future__ import annotations

from datetime import date

import pytest

from scripts import faq_review

REVIEW_STEPS = (
    "re-read the answer against its document, then in data/review/faq/{source}.yml update "
    "`reviewed` (today), `reviewer` (who, and what kind of review) and `answer_sha256` "
    "(python -m scripts.faq_review --hash {slug}), and run `make review`"
)


@pytest.fixture(scope="module")
def sources():
    return faq_review.load_sources()


@pytest.fixture(scope="module")
def entries():
    return faq_review.load_entries()


@pytest.fixture(scope="module")
def reviews():
    return faq_review.load_reviews()


def test_every_entry_has_a_review_and_every_review_an_entry(entries, reviews):
    assert set(entries) - set(reviews) == set(), "FAQ entries without a review record"
    assert set(reviews) - set(entries) == set(), "review records of no FAQ entry"


def test_each_review_is_filed_under_the_source_of_its_answer(entries, reviews):
    for slug, review in reviews.items():
        assert review.source == entries[slug].source, (
            f"{slug}: reviewed in data/review/faq/{review.source}.yml, "
            f"but its answer comes from {entries[slug].source}"
        )


def test_every_review_names_its_date_its_reviewer_and_its_passages(reviews):
    low, high = faq_review.PASSAGES_PER_ENTRY
    for slug, review in reviews.items():
        assert isinstance(review.reviewed, date), f"{slug}: `reviewed` must be a date (YYYY-MM-DD)"
        assert review.reviewed <= date.today(), f"{slug}: reviewed in the future"
        assert review.reviewer, f"{slug}: no reviewer"
        assert low <= len(review.passages) <= high, f"{slug}: {len(review.passages)} passages"
        for passage in review.passages:
            assert 0 < len(passage.text) <= faq_review.MAX_PASSAGE_CHARS, (
                f"{slug}: a passage must be a short quotation "
                f"(at most {faq_review.MAX_PASSAGE_CHARS} characters)"
            )


def test_every_passage_is_quoted_verbatim_from_its_source(reviews, sources):
    documents = {
        source_id: (faq_review.PROJECT / source["file"]).read_text(encoding="utf-8")
        for source_id, source in sources.items()
    }
    for slug, review in reviews.items():
        for passage in review.passages:
            assert passage.source in documents, f"{slug}: unknown source {passage.source}"
            assert faq_review.passage_is_in(passage.text, documents[passage.source]), (
                f"{slug}: not found in {sources[passage.source]['file']}: {passage.text!r}"
            )


def test_the_passage_lookup_normalises_only_whitespace_and_typographic_quotes():
    document = "Le cancer n’arrête pas\nde croître : “embarras du choix”."
    assert faq_review.passage_is_in("n'arrête pas de  croître", document)
    assert faq_review.passage_is_in('"embarras du choix"', document)
    assert not faq_review.passage_is_in("n'arrete pas", document)
    assert not faq_review.passage_is_in("Le Cancer", document)


def test_no_answer_changed_since_its_last_review(entries, reviews):
    for slug, entry in entries.items():
        stored = reviews[slug].answer_sha256
        current = faq_review.answer_sha256(entry.text)
        assert stored == current, (
            f"{slug}: the answer changed since its review of {reviews[slug].reviewed}; "
            + REVIEW_STEPS.format(source=entry.source, slug=slug)
        )


def test_points_not_retained_name_existing_entries_and_a_reason(entries):
    for point in faq_review.load_not_retained():
        assert point.get("entries"), point
        assert set(point["entries"]) <= set(entries), point["entries"]
        assert point.get("point", "").strip() and point.get("reason", "").strip(), point


def test_the_review_page_is_up_to_date():
    written = faq_review.OUTPUT.read_text(encoding="utf-8")
    assert written == faq_review.render(), "docs/faq-review.md is out of date: run `make review`"


def test_the_page_shows_each_answer_as_sent_with_its_passages(entries, reviews):
    page = faq_review.render()
    assert "{care_team}" not in page and "votre équipe soignante" in page
    assert page.index("## Points de la relecture non retenus") < page.index("### ")
    for slug, review in reviews.items():
        assert f"Entrée `{slug}`" in page
        assert review.reviewed.isoformat() in page
    assert "La réponse a changé depuis" not in page
