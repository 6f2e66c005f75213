"""Rasa's command line, without paying for TensorFlow when nothing uses it.

Rasa 3.6 imports TensorFlow whenever a policy module is imported (rasa.core.policies.policy
-> featurizers -> rasa.utils.train_utils -> rasa.utils.tensorflow.callback): 6 s and about
500 MiB per process, although this assistant's pipeline and policies use no TensorFlow
(components/linear_classifier.py). `defer_tensorflow()` makes those modules lazy
(importlib.util.LazyLoader): they are imported on first use, so a component that does need
TensorFlow still gets it, and one that does not never pays for it.

    python -m scripts.rasa_cli train --fixed-model-name assistant --out models
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys

# The modules Rasa imports at start-up only to define TensorFlow-based classes and helpers.
DEFERRED = frozenset(
    {
        "tensorflow",
        "rasa.utils.train_utils",
        "rasa.utils.tensorflow.callback",
    }
)


class DeferredImports(importlib.abc.MetaPathFinder):
    """Finds the DEFERRED modules as usual, but loads them on first attribute access."""

    def find_spec(self, name, path, target=None):  # noqa: ANN001, ANN201 (importlib's API)
        if name not in DEFERRED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def defer_tensorflow() -> None:
    if not any(isinstance(finder, DeferredImports) for finder in sys.meta_path):
        sys.meta_path.insert(0, DeferredImports())


def serve_without_training_graph() -> None:
    """Loading a model to serve it, Rasa 3.6 also rebuilds the model's *training* graph, which
    imports every class used in training: its recipe validator imports DIETClassifier,
    ResponseSelector and TEDPolicy, hence TensorFlow. Serving uses the prediction graph
    alone (rasa/engine/loader.py), so the serving processes (scripts/rasa_server.py, the
    evaluation) read a model without its training graph. Training is not affected."""
    from rasa.engine.storage import storage

    original = storage.ModelMetadata.from_dict
    if getattr(original, "serving_only", False):
        return

    def from_dict(serialized: dict) -> storage.ModelMetadata:
        return original({**serialized, "train_schema": {"nodes": {}}})

    from_dict.serving_only = True  # type: ignore[attr-defined]
    storage.ModelMetadata.from_dict = staticmethod(from_dict)  # type: ignore[method-assign]


def run_graph_in_order() -> None:
    """Rasa 3.6 runs the prediction graph through dask for every message and every action
    prediction, and recomputes the graph's minimal schema each time; for a graph of a few
    nodes in one thread that bookkeeping costs more than the nodes. The serving processes
    run the nodes in a topological order computed once per set of targets: the same calls,
    with the same inputs, in an order dask could also have chosen."""
    from rasa.engine.exceptions import GraphRunError
    from rasa.engine.runner.dask import DaskGraphRunner

    if getattr(DaskGraphRunner.run, "in_order", False):
        return

    def plan(runner: DaskGraphRunner, targets: tuple[str, ...]) -> list:
        # Kept on the runner: a model loaded later gets its own runner, hence its own plans.
        plans = runner.__dict__.setdefault("_plans_in_order", {})
        if targets not in plans:
            nodes = runner._graph_schema.nodes
            order: list[tuple[str, tuple[str, ...]]] = []
            seen: set[str] = set()

            def visit(name: str) -> None:
                if name in seen or name not in nodes:
                    return  # an input given to run(), or already placed
                seen.add(name)
                needs = tuple(nodes[name].needs.values())
                for need in needs:
                    visit(need)
                order.append((name, needs))

            for target in targets:
                visit(target)
            plans[targets] = order
        return plans[targets]

    def run(self: DaskGraphRunner, inputs: dict | None = None, targets: list | None = None):  # noqa: ANN202
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        values = {name: (name, value) for name, value in (inputs or {}).items()}
        try:
            for name, needs in plan(self, run_targets):
                node = self._instantiated_nodes[name]
                values[name] = node(*(values[need] for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(values[target] for target in run_targets)

    run.in_order = True  # type: ignore[attr-defined]
    DaskGraphRunner.run = run  # type: ignore[method-assign]


def main() -> None:
    defer_tensorflow()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
