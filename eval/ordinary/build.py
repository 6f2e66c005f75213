#!/usr/bin/env python3
"""Rebuild messages.txt from parts/*.txt and check it.

Joins the parts in file-name order, normalises whitespace (NFC, single spaces),
drops empty lines and duplicates (a line whose lower-cased text, stripped of
punctuation, was already seen is dropped; the first one is kept), then runs the
checks listed in SOURCE.md. Medical-looking words are only *listed* for human
review: the remaining hits are idioms kept on purpose.
"""
import collections, glob, os, re, sys, unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
MEDICAL = re.compile(
    r"cancer|chimio|radioth|tumeur|m[ée]tasta|oncolo|fi[èe]vre|douleur|m[ée]dica|"
    r"m[ée]dec|suicid|mourir|meur[st]|mort|tuer|tu[ée]e?\b|malad|h[ôo]pital|urgences|"
    r"sympt|sant[ée]|soign|pharma|ordonnance|infirm|docteur|vaccin|vomi|naus[ée]|"
    r"grippe|covid|bless|saign|cardiaque|scarif|overdose|allerg|diab[èe]t|th[ée]rap|"
    r"biopsie|chirurg|d[ée]c[èe]s|deuil|crise|c(œ|oe)ur|sueur|tremble|dormir|sommeil|stress|cafard", re.I)


def key(s):
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", "", s.lower())).strip()


def main():
    seen, out, per = set(), [], collections.Counter()
    for path in sorted(glob.glob(os.path.join(HERE, "parts", "*.txt"))):
        for line in open(path, encoding="utf-8"):
            line = re.sub(r"\s+", " ", unicodedata.normalize("NFC", line)).strip()
            if not line or key(line) in seen:
                continue
            seen.add(key(line))
            out.append(line)
            per[os.path.basename(path)] += 1
    with open(os.path.join(HERE, "messages.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    for name, n in sorted(per.items()):
        print(f"{n:5d}  {name}")
    assert len(out) == len(set(out)), "duplicates"
    assert all(out), "empty line"
    hits = [l for l in out if MEDICAL.search(l)]
    print(f"total {len(out)} lines, {len(hits)} lines with medical-looking words (review: idioms only)")
    if "-v" in sys.argv:
        print("\n".join(hits))
    return 0 if len(out) >= 5000 else 1


if __name__ == "__main__":
    sys.exit(main())
