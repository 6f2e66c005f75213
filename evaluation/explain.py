"""Why did the assistant do that? Parses messages with the trained assistant and prints, for
each, the intent, the classifier's three best intents, the FAQ answer and what the red-flag
layer matched. For the team's own messages: never paste a blind-set case here.

    python -m evaluation.explain "j'ai 37,5, est ce que je dois m'inquieter ?" ...
"""

from __future__ import annotations

import asyncio
import sys

from channels.user_text import clean_user_text
from evaluation import run


def describe(parse: dict) -> str:
    intent = parse.get("intent") or {}
    ranking = parse.get("classifier_ranking") or parse.get("intent_ranking") or []
    best = ", ".join(f"{i['name']} {i['confidence']:.2f}" for i in ranking[:3])
    confidence = intent.get("confidence", 0)
    lines = [f"  intent {intent.get('name')} {confidence:.2f}  (classifier: {best})"]
    selector = (parse.get("response_selector") or {}).get("faq", {}).get("response", {})
    if selector:
        key, confidence = selector.get("intent_response_key"), selector.get("confidence", 0)
        lines.append(f"  answer {key} {confidence:.2f}")
    for key in ("red_flag", "red_flag_set_aside"):
        if parse.get(key):
            lines.append(f"  {key} {parse[key]}")
    return "\n".join(lines)


async def main(texts: list[str]) -> None:
    agent = await run.load()
    for text in texts:
        parse = await agent.parse_message(clean_user_text(text))
        print(text)
        print(describe(parse))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
