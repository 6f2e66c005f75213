"""Gate on the NLU evaluation written by `rasa test nlu` (make evaluate).

Prints intent and FAQ answer (response selection) scores on the held-out paraphrases of
tests/nlu/ and fails when a weighted F1 is below its threshold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

# Held-out paraphrases are written to be hard (typos, relatives, keywords): 0.85 leaves room
# for those while catching any real regression (a broken pipeline scores far below).
THRESHOLDS = {
    "intent_report.json": 0.85,
    "response_selection_report.json": 0.85,
}


def weighted_f1(report_file: Path) -> float:
    return json.loads(report_file.read_text())["weighted avg"]["f1-score"]


def main(results_dir: Path) -> int:
    failed = False
    for name, threshold in THRESHOLDS.items():
        score = weighted_f1(results_dir / name)
        verdict = "ok" if score >= threshold else "BELOW THRESHOLD"
        print(f"{name:34s} weighted F1 = {score:.3f} (gate {threshold:.2f}) {verdict}")
        failed |= score < threshold
    print(f"Details in {results_dir}: *_report.json, *_errors.json, *_confusion_matrix.png,")
    print("*_histogram.png (see README, Reading the evaluation)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")))
