"""The intent classifier and FAQ answer selector: TF-IDF n-grams and a linear model.

Two linear models over the same features, word uni- and bigrams and character 2–5-grams of
the normalised text (lower case, no accents, SMS spellings expanded: components/text.py),
which absorb typos and SMS spellings:
- the **intent model**, a multinomial logistic regression over the intents (`greet`,
  `emergency`, `faq`…): its probabilities are what the safety layer and the gates compare
  with thresholds chosen on a tuning set (eval/README.md);
- the **answer model**, a linear SVM over the FAQ answers only (`faq/<slug>`), whose scores
  become confidences by a softmax: on the tuning set it ranked the right answer first for
  95 % of fresh questions, and separated sure from unsure answers better than one model for
  everything.

What it writes on a message, in Rasa's usual shapes:
- `intent` and `intent_ranking`, from the intent model;
- `response_selector.faq`: the answers ranked by probability, as Rasa's ResponseSelector
  would give them (the retrieval action `utter_faq` reads `response.utter_action`);
- `sentence_scores`: for a message of several sentences, each sentence with the probability
  of each safety intent, so that an alarm at the end of a long message is not drowned by
  the rest (components/red_flags.py reads it).

It replaces spaCy, DIET and the ResponseSelector: on the tuning set they answered no better,
and cost TensorFlow, two copies of spaCy's French model, 4 minutes of training and 20 ms a
message (docs/benchmark.md).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from components.text import normalise

logger = logging.getLogger(__name__)

RETRIEVAL_INTENT = "faq"
SAFETY_INTENTS = ("emergency", "self_harm", "clinical_question")
RANKING_LENGTH = 10
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
VOCABULARY_FILE = "vocabularies.json"
ARRAYS_FILE = "weights.npz"


def sentences(text: str) -> list[str]:
    return [part for part in (p.strip() for p in SENTENCE_END.split(text)) if part]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    """Intents and FAQ answers from word and character n-grams (see the module docstring)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Inverse regularisation of the intent model and of the answer model.
            "C": 10.0,
            "answer_C": 1.0,
            # The answer model's scores times this, through a softmax, are its confidences.
            "answer_temperature": 3.0,
            "max_iter": 3000,
            "word_ngrams": [1, 2],
            "char_ngrams": [2, 5],
            "random_seed": 20261204,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @property
    def fitted(self) -> dict[str, Any]:
        """The trained vectorisers and models."""
        if self.model is None:
            raise RuntimeError("LinearIntentClassifier is not trained")
        return self.model

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # --- training ---------------------------------------------------------------------------

    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        word = TfidfVectorizer(ngram_range=tuple(self.config["word_ngrams"]), sublinear_tf=True)
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.config["char_ngrams"]), sublinear_tf=True
        )
        return word, char

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        texts = [normalise(m.get(TEXT)) for m in examples]
        word, char = self._vectorizers()
        features = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        intents = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            random_state=self.config["random_seed"],
        )
        intents.fit(features, [m.get(INTENT) for m in examples])
        answer_rows = [i for i, m in enumerate(examples) if m.get(INTENT) == RETRIEVAL_INTENT]
        answers = LinearSVC(C=self.config["answer_C"], random_state=self.config["random_seed"])
        answers.fit(features[answer_rows], [examples[i].get_full_intent() for i in answer_rows])
        self.model = {"word": word, "char": char, "intents": intents, "answers": answers}
        self.persist()
        return self._resource

    def persist(self) -> None:
        """Arrays and vocabularies only (JSON and NumPy, no pickle): loading a model file
        cannot run code, and needs neither skops nor anything it would import."""
        word, char = self.fitted["word"], self.fitted["char"]
        intents, answers = self.fitted["intents"], self.fitted["answers"]
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(
                    {
                        "word": word.vocabulary_,
                        "char": char.vocabulary_,
                        "intents": intents.classes_.tolist(),
                        "answers": answers.classes_.tolist(),
                    },
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            np.savez(
                directory / ARRAYS_FILE,
                word_idf=word.idf_,
                char_idf=char.idf_,
                intents_coef=intents.coef_,
                intents_intercept=intents.intercept_,
                answers_coef=answers.coef_,
                answers_intercept=answers.intercept_,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        component = cls(config, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            vocabularies = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
            with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
                word, char = component._vectorizers()
                word.vocabulary_, word.idf_ = vocabularies["word"], arrays["word_idf"]
                char.vocabulary_, char.idf_ = vocabularies["char"], arrays["char_idf"]
                intents = LogisticRegression()
                intents.classes_ = np.array(vocabularies["intents"])
                intents.coef_, intents.intercept_ = (
                    arrays["intents_coef"],
                    arrays["intents_intercept"],
                )
                answers = LinearSVC()
                answers.classes_ = np.array(vocabularies["answers"])
                answers.coef_, answers.intercept_ = (
                    arrays["answers_coef"],
                    arrays["answers_intercept"],
                )
        component.model = {"word": word, "char": char, "intents": intents, "answers": answers}
        return component

    # --- prediction -------------------------------------------------------------------------

    def features(self, texts: list[str]) -> Any:
        normalised = [normalise(text) for text in texts]
        return hstack(
            [self.fitted["word"].transform(normalised), self.fitted["char"].transform(normalised)]
        ).tocsr()

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        features = self.features([m.get(TEXT) or "" for m in messages])
        intents = self.fitted["intents"].predict_proba(features)
        answers = self.fitted["answers"].decision_function(features)
        for message, intent_row, answer_row in zip(messages, intents, answers, strict=True):
            if message.get(TEXT):
                self._annotate(message, intent_row, answer_row)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def _annotate(self, message: Message, intent_row: np.ndarray, answer_row: np.ndarray) -> None:
        ranking = sorted(
            (
                {INTENT_NAME_KEY: name, "confidence": float(p)}
                for name, p in zip(self.fitted["intents"].classes_, intent_row, strict=True)
            ),
            key=lambda item: -item["confidence"],
        )[:RANKING_LENGTH]
        message.set(INTENT, ranking[0], add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        message.set("response_selector", self._selector(answer_row), add_to_output=True)
        parts = sentences(message.get(TEXT))
        if len(parts) > 1:
            message.set("sentence_scores", self._sentence_scores(parts), add_to_output=True)

    def _selector(self, scores: np.ndarray) -> dict[str, Any]:
        weights = np.exp(self.config["answer_temperature"] * (scores - scores.max()))
        confidences = weights / weights.sum()
        order = np.argsort(-confidences)[:RANKING_LENGTH]
        keys = self.fitted["answers"].classes_
        ranking = [
            {
                "id": int(index),
                "confidence": float(confidences[index]),
                "intent_response_key": keys[index],
            }
            for index in order
        ]
        best = ranking[0]
        response = {
            "id": best["id"],
            "responses": [],
            "response_templates": [],
            "confidence": best["confidence"],
            "intent_response_key": best["intent_response_key"],
            "utter_action": f"utter_{best['intent_response_key']}",
            "template_name": f"utter_{best['intent_response_key']}",
        }
        return {
            "all_retrieval_intents": [RETRIEVAL_INTENT],
            RETRIEVAL_INTENT: {"response": response, "ranking": ranking},
        }

    def _sentence_scores(self, parts: list[str]) -> list[dict[str, Any]]:
        classes = list(self.fitted["intents"].classes_)
        rows = self.fitted["intents"].predict_proba(self.features(parts))
        return [
            {
                "text": part,
                "scores": {
                    intent: float(row[classes.index(intent)])
                    for intent in SAFETY_INTENTS
                    if intent in classes
                },
            }
            for part, row in zip(parts, rows, strict=True)
        ]
