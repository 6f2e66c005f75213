"""`make bench`: how fast and how big the assistant is, on this machine (docs/benchmark.md).

Measures, in this order, then writes results/bench/bench.json, results/bench/bench.png and
(except with --quick) docs/bench-results.md:
1. start-up: one Rasa instance as `make run` runs it (scripts/rasa_server.py, SQLite tracker
   store), from the process start to its first REST answer (the action server is started
   and ready before); and the profiles of start-up and of one message (where time and
   memory go: scripts/profile_startup.py, scripts/profile_message.py);
2. sequential latency: one message at a time through the REST channel, after a warm-up;
3. resident memory (RSS) of Rasa and of the action server after that warm-up;
4. load: Locust (bench/locustfile.py, in .venv-bench) runs N patients' conversations at once
   against that instance, then against the whole machine: one instance per core over
   PostgreSQL and Redis (devstack/cluster.py) with client-side balancing (the sender id's hash
   picks the instance), with more and more conversations until the p99 passes 300 ms (the
   saturation throughput);
5. with --with-training only: a full training from an empty cache into a temporary directory.

`--quick` is a smoke run (few messages, 10 and 20 users for 15 s): its figures are not the
benchmark's.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml

from devstack.stack import (
    DEFAULT_MODEL,
    ORIGINS_ENV,
    PROJECT,
    SECRET_ENV,
    STARTUP_TIMEOUT_S,
    free_port,
    send_message,
    start_action_server,
    start_rasa_server,
    stop,
    wait_until_up,
    write_endpoints,
)

LOCUSTFILE = PROJECT / "bench" / "locustfile.py"
RESULTS_PAGE = PROJECT / "docs" / "bench-results.md"
WEBHOOK = "/webhooks/rest/webhook"
# Share of conversations that end with a personal clinical question (handed off to a person).
CLINICAL_SHARE = 0.15
CONVERSATIONS = 5000
# What the figures are compared with (docs/benchmark.md).
# Issue 13's targets, on a 2-core machine.
TARGETS = {
    "sequential_p50_ms": 10,
    "sequential_p99_ms": 30,
    "machine_p99_ms": 300,
    "machine_errors": 0,
    "saturation_msg_s": 120,
    "startup_s": 12,
    "rasa_rss_mb": 900,
    "training_s": 45,
}
LABELS = {
    "sequential_p50_ms": "sequential p50 (ms)",
    "sequential_p99_ms": "sequential p99 (ms)",
    "machine_p99_ms": "p99, 200 conversations on the machine (ms)",
    "machine_errors": "errors, 200 conversations on the machine",
    "saturation_msg_s": "saturation throughput of the machine, p99 <= 300 ms (msg/s)",
    "startup_s": "start-up to first answer (s)",
    "rasa_rss_mb": "Rasa RSS after warm-up (MiB)",
    "training_s": "full training (s)",
}
FLOORS = {"saturation_msg_s"}
BALANCING = (
    "client-side: each Locust user sends a conversation to the instance picked by hashing its "
    "sender id (crc32 modulo 2); no nginx (make run-prod's balancer refuses the REST channel)"
)


@dataclass(frozen=True)
class Settings:
    warmup: int  # messages sent before the sequential measurement, not counted
    messages: int  # messages measured one at a time
    users: tuple[int, ...]  # simultaneous conversations of each load run
    run_time_s: int  # length of each load run
    think_s: tuple[float, float]  # a patient's pause between two turns, min and max


FULL = Settings(warmup=20, messages=300, users=(50, 200), run_time_s=60, think_s=(1.0, 3.0))
QUICK = Settings(warmup=5, messages=30, users=(10, 20), run_time_s=15, think_s=(1.0, 3.0))
# The whole machine's saturation: conversations are added until the p99 passes this.
SATURATION_P99_MS = 300
SATURATION_STEPS = (250, 300, 400, 500, 600, 800)  # 250: 200 to 300 is too coarse a step


# --- conversations --------------------------------------------------------------------------


def examples(path: Path, intent: str | None = None) -> list[str]:
    """The examples of an NLU file, all of them or one intent's."""
    found = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if intent is None or block.get("intent") == intent:
            found += [
                line[2:].strip() for line in block["examples"].splitlines() if line[:2] == "- "
            ]
    return found


def message_pools() -> dict[str, list[str]]:
    """What patients type: greetings and thanks of the training data and the held-out
    paraphrases, the held-out FAQ paraphrases, the safety set's personal clinical questions."""
    conversation_files = [
        PROJECT / "data/nlu/conversation.yml",
        PROJECT / "tests/nlu/conversation.yml",
    ]
    safety = yaml.safe_load((PROJECT / "tests/safety/cases.yml").read_text(encoding="utf-8"))
    return {
        "greet": [e for f in conversation_files for e in examples(f, "greet")],
        "faq": [e for f in sorted((PROJECT / "tests/nlu").glob("faq_*.yml")) for e in examples(f)],
        "clinical": list(safety["clinical"]),
        "thanks": [e for f in conversation_files for e in examples(f, "thank")],
    }


def make_conversations(count: int, seed: int = 6) -> list[list[tuple[str, str]]]:
    """`count` conversations of 3-6 turns, each a list of (kind, text): a greeting, 1-4 FAQ
    questions, in CLINICAL_SHARE of them a clinical question (then 1-3 FAQ), thanks."""
    pools, rng = message_pools(), random.Random(seed)
    conversations = []
    for _ in range(count):
        clinical = rng.random() < CLINICAL_SHARE
        turns = [("greet", rng.choice(pools["greet"]))]
        turns += [
            ("faq", rng.choice(pools["faq"])) for _ in range(rng.randint(1, 3 if clinical else 4))
        ]
        if clinical:
            turns.append(("clinical", rng.choice(pools["clinical"])))
        turns.append(("thanks", rng.choice(pools["thanks"])))
        conversations.append(turns)
    return conversations


# --- helpers --------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants, from /proc, in MB (2^20 bytes)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total_kb, todo = 0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{current}/status").read_text()
            total_kb += status_kb(status, "VmRSS")
        todo += children.get(current, [])
    return round(total_kb / 1024, 1)


def status_kb(status: str, field: str) -> int:
    """A `<field>: <n> kB` line of /proc/<pid>/status or /proc/meminfo."""
    found = re.search(rf"{field}:\s+(\d+)", status)
    if found is None:
        raise ValueError(f"no {field} in /proc")
    return int(found.group(1))


def peak_rss_mb(pid: int) -> float:
    """The process's highest resident memory so far (VmHWM), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return round(status_kb(status, "VmHWM") / 1024, 1)


def percentiles(values_ms: list[float]) -> dict[str, float]:
    p50, p95, p99 = (round(float(x), 1) for x in np.percentile(values_ms, [50, 95, 99]))
    return {"p50_ms": p50, "p95_ms": p95, "p99_ms": p99}


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    memory_kb = status_kb(Path("/proc/meminfo").read_text(), "MemTotal")
    return {
        "cpu": model.group(1) if model else platform.processor(),
        "cores": os.cpu_count(),
        "ram_gb": round(memory_kb / 1024**2, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit() -> str:
    result = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=PROJECT, capture_output=True, text=True
    )
    return result.stdout.strip()


# --- measurements ---------------------------------------------------------------------------


@contextlib.contextmanager
def single_instance(work: Path, log_dir: Path) -> Iterator[tuple[str, dict, dict]]:
    """One Rasa instance with the endpoints of `make run` (SQLite tracker store, in `work`) and
    its action server. Yields the base URL, the processes and the start-up times."""
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work, action_port)
    url = f"http://127.0.0.1:{rasa_port}"
    widget = {SECRET_ENV: secrets.token_urlsafe(32), ORIGINS_ENV: url}

    started = time.monotonic()
    actions = start_action_server(action_port, log_dir / "actions.log")
    rasa = None
    try:
        wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, STARTUP_TIMEOUT_S)
        action_server_s = time.monotonic() - started
        started = time.monotonic()
        rasa = start_rasa_server(rasa_port, log_dir / "rasa.log", endpoints=endpoints, env=widget)
        first_answer(url + WEBHOOK, rasa)
        startup = {
            "rasa_first_answer_s": round(time.monotonic() - started, 1),
            "action_server_ready_s": round(action_server_s, 1),
        }
        yield url, {"rasa": rasa, "actions": actions}, startup
    finally:
        for process in (rasa, actions):
            if process is not None:
                stop(process)


def first_answer(webhook: str, rasa: subprocess.Popen) -> None:
    """Sends "Bonjour" until Rasa answers it."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if rasa.poll() is not None:
            raise RuntimeError(f"Rasa exited with code {rasa.returncode} (see its log)")
        with contextlib.suppress(OSError, ValueError):
            if send_message(webhook, "bench-startup", "Bonjour"):
                return
        time.sleep(0.1)
    raise TimeoutError(f"no answer from {webhook} within {STARTUP_TIMEOUT_S} s")


def sequential(base_url: str, conversations: list, messages: int) -> dict:
    """`messages` messages one at a time, conversation after conversation (new sender ids):
    latency percentiles, and the errors (no 200 answer, or no answer before a handoff)."""
    latencies, errors, sent = [], 0, 0
    for turns in conversations:
        sender, handed_off = f"bench-seq-{uuid.uuid4().hex}", False
        for kind, text in turns:
            if sent == messages:
                break
            started = time.perf_counter()
            try:
                answer = send_message(base_url + WEBHOOK, sender, text)
                errors += not (answer or handed_off)
            except (OSError, ValueError):
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
            handed_off = handed_off or kind == "clinical"
            sent += 1
        if sent == messages:
            break
    latencies = [round(x, 2) for x in latencies]
    return {"messages": sent, **percentiles(latencies), "errors": errors, "latencies_ms": latencies}


def load(
    locust: Path, hosts: list[str], users: int, settings: Settings, files: Path, name: str
) -> dict:
    """One headless Locust run of `users` simultaneous conversations; its aggregated figures."""
    prefix = files / name
    env = {
        **os.environ,
        "BENCH_CONVERSATIONS": str(files / "conversations.json"),
        "BENCH_HOSTS": ",".join(hosts),
        "BENCH_THINK_S": ",".join(str(s) for s in settings.think_s),
    }
    command = [
        str(locust), "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "-u", str(users), "-r", str(users), "--run-time", f"{settings.run_time_s}s",
        "--host", hosts[0], "--csv", str(prefix), "--loglevel", "WARNING",
    ]  # fmt: skip
    with (files / f"{name}.log").open("wb") as log:
        subprocess.run(command, cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    with open(f"{prefix}_stats.csv", newline="") as stats:
        total = next(row for row in csv.DictReader(stats) if row["Name"] == "Aggregated")
    with open(f"{prefix}_failures.csv", newline="") as failures:
        kinds = {row["Error"]: int(row["Occurrences"]) for row in csv.DictReader(failures)}

    def ms(column: str) -> float | None:
        return None if total[column] == "N/A" else float(total[column])

    return {
        "instances": len(hosts),
        "users": users,
        "run_time_s": settings.run_time_s,
        "messages": int(total["Request Count"]),
        "messages_per_s": round(float(total["Requests/s"]), 1),
        "p50_ms": ms("50%"),
        "p95_ms": ms("95%"),
        "p99_ms": ms("99%"),
        "errors": int(total["Failure Count"]),
        "error_kinds": kinds,
    }


def cluster_load(locust: Path, settings: Settings, files: Path, log_dir: Path) -> list[dict]:
    """The load runs against the whole machine: one instance per core on PostgreSQL + Redis
    (devstack/cluster.py); then, for a full run, more conversations until the p99 passes
    SATURATION_P99_MS."""
    from devstack.cluster import running_cluster  # imports Rasa's tracker store: only when needed

    ports = [free_port() for _ in range(os.cpu_count() or 2)]
    os.environ.setdefault(SECRET_ENV, secrets.token_urlsafe(32))  # the widget's, unused here
    with running_cluster(log_dir / "cluster", ports, free_port(), free_port()) as cluster:
        hosts = [stack.rasa_url for stack in cluster.instances]
        conversations = make_conversations(20, seed=7)
        for host in hosts:
            sequential(host, conversations, settings.warmup)
        runs = []
        steps = settings.users + (SATURATION_STEPS if settings is FULL else ())
        for users in steps:
            run = load(locust, hosts, users, settings, files, f"cluster-{users}")
            run.update(stores="PostgreSQL + Redis", balancing=BALANCING)
            runs.append(run)
            print(f"load: {without_raw(run)}", flush=True)
            if users > max(settings.users) and (run["p99_ms"] or 0) > SATURATION_P99_MS:
                break
        for index, process in enumerate(cluster.processes):
            runs[-1][f"rasa_{index}_rss_mb_after"] = rss_mb(process.pid)
        return runs


def profiles(files: Path) -> dict:
    """Where start-up time and memory, and one message's time, go (the two profile scripts)."""
    result = {}
    for name, module in (
        ("startup", "scripts.profile_startup"),
        ("message", "scripts.profile_message"),
    ):
        with (files / f"profile-{name}.log").open("wb") as log:
            subprocess.run(
                [sys.executable, "-m", module], cwd=PROJECT, stdout=log, stderr=log, check=False
            )
    for name, path in (("startup", "startup_profile.json"), ("message", "message_profile.json")):
        with contextlib.suppress(OSError, ValueError):
            result[name] = json.loads((PROJECT / "results" / "bench" / path).read_text())
    return result


def training(log_dir: Path) -> float:
    """Seconds of a full `rasa train` (empty cache) into a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        env = {**os.environ, "RASA_CACHE_DIRECTORY": str(Path(tmp) / "cache")}
        command = [sys.executable, "-m", "scripts.rasa_cli", "train", "--out", tmp,
                   "--fixed-model-name", "bench"]  # fmt: skip
        started = time.monotonic()
        with (log_dir / "train.log").open("wb") as log:
            subprocess.run(command, cwd=PROJECT, env=env, stdout=log, stderr=log, check=True)
        return round(time.monotonic() - started, 1)


# --- report ---------------------------------------------------------------------------------


def target_checks(result: dict, quick: bool) -> list[dict]:
    """Each target with its figure: the whole machine's run of 200 conversations, its highest
    throughput with p99 <= SATURATION_P99_MS, the Rasa process for memory. `met` is None
    when not measured."""
    machine_runs = [run for run in result.get("load", []) if run["instances"] > 1]
    at_200: dict = next((run for run in machine_runs if run["users"] == 200), {})
    served = [
        r["messages_per_s"] for r in machine_runs if (r["p99_ms"] or 1e9) <= SATURATION_P99_MS
    ]
    measured = {
        "sequential_p50_ms": result.get("sequential", {}).get("p50_ms"),
        "sequential_p99_ms": result.get("sequential", {}).get("p99_ms"),
        "machine_p99_ms": at_200.get("p99_ms"),
        "machine_errors": at_200.get("errors"),
        "saturation_msg_s": max(served) if served else None,
        "startup_s": result.get("startup", {}).get("rasa_first_answer_s"),
        "rasa_rss_mb": result.get("memory_mb", {}).get("rasa_after_warmup"),
        "training_s": result.get("training_s"),
    }
    checks = []
    for key, value in measured.items():
        floor = key in FLOORS
        met = None if value is None else value >= TARGETS[key] if floor else value <= TARGETS[key]
        target = f"{'>=' if floor else '<='} {TARGETS[key]:g}"
        check = {"what": LABELS[key], "key": key, "target": target, "measured": value, "met": met}
        if quick and (floor or key.startswith("machine")):
            check.update(met=None, note="--quick: too few conversations to judge")
        checks.append(check)
    return checks


def plot(result: dict, path: Path) -> None:
    with warnings.catch_warnings():  # matplotlib 3.5 calls pyparsing's deprecated names
        warnings.simplefilter("ignore", DeprecationWarning)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    sequential_ax, throughput_ax, latency_ax, targets_ax = axes.flat

    latencies = result["sequential"]["latencies_ms"]
    sequential_ax.hist(latencies, bins=40, color="#4c72b0")
    for key, style in (("p50_ms", "-"), ("p95_ms", "--"), ("p99_ms", ":")):
        value = result["sequential"][key]
        sequential_ax.axvline(
            value, color="black", linestyle=style, label=f"{key[:3]} {value:.0f} ms"
        )
    target_p50 = TARGETS["sequential_p50_ms"]
    sequential_ax.axvline(target_p50, color="red", label=f"target p50 {target_p50} ms")
    sequential_ax.set(
        title=f"Sequential latency ({len(latencies)} messages)", xlabel="ms", ylabel="messages"
    )
    sequential_ax.legend(fontsize="small")

    runs = result["load"]
    labels = [f"{run['instances']} inst.\n{run['users']} users" for run in runs]
    x = np.arange(len(runs))
    throughput_ax.bar(x, [run["messages_per_s"] for run in runs], color="#55a868")
    saturation = TARGETS["saturation_msg_s"]
    throughput_ax.axhline(saturation, color="red", label=f"target {saturation} msg/s (machine)")
    for i, run in enumerate(runs):
        throughput_ax.annotate(
            f"{run['errors']} err.", (i, run["messages_per_s"]), ha="center", va="bottom"
        )
    throughput_ax.set(
        title="Throughput under load", ylabel="messages/s", xticks=x, xticklabels=labels
    )
    throughput_ax.legend(fontsize="small")

    for offset, key in ((-0.25, "p50_ms"), (0, "p95_ms"), (0.25, "p99_ms")):
        latency_ax.bar(x + offset, [run[key] or 0 for run in runs], width=0.25, label=key[:3])
    latency_ax.axhline(SATURATION_P99_MS, color="red", label=f"target p99 {SATURATION_P99_MS} ms")
    latency_ax.set(title="Latency under load", ylabel="ms", xticks=x, xticklabels=labels)
    latency_ax.legend(fontsize="small")

    # The ceilings only (a floor or a zero target has no meaningful share).
    ceilings = [
        check
        for check in result["targets"]
        if check["measured"] is not None and check["target"][0] == "<" and TARGETS[check["key"]]
    ]
    shares = [100 * c["measured"] / TARGETS[c["key"]] for c in ceilings]
    targets_ax.barh([c["what"] for c in ceilings], shares, color="#8172b2")
    targets_ax.axvline(100, color="red", label="target")
    targets_ax.set(title="Measured / target (ceilings)", xlabel="% of the target")
    targets_ax.legend()

    m = result["machine"]
    fig.suptitle(
        f"make bench{' --quick' if result['quick'] else ''}, {result['date']}, {result['commit']}: "
        f"{m['cpu']}, {m['cores']} cores, load average {m['load_average_at_start'][0]} at start"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: few messages, 10 and 20 users"
    )
    parser.add_argument("--with-training", action="store_true", help="also time a full training")
    parser.add_argument("--locust", type=Path, default=PROJECT / ".venv-bench/bin/locust")
    parser.add_argument("--out", type=Path, default=PROJECT / "results/bench")
    args = parser.parse_args()
    settings = QUICK if args.quick else FULL
    files = args.out / "runs"  # Locust's CSV files and every server's log
    files.mkdir(parents=True, exist_ok=True)
    if not args.locust.exists():
        sys.exit(f"{args.locust} is missing: make bench installs it (.venv-bench)")

    result: dict = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": git_commit(),
        "model": str(DEFAULT_MODEL.relative_to(PROJECT)),
        "quick": args.quick,
        "machine": machine(),
        "settings": asdict(settings) | {"clinical_share": CLINICAL_SHARE, "balancing": BALANCING},
    }
    conversations = make_conversations(CONVERSATIONS)
    (files / "conversations.json").write_text(json.dumps(conversations, ensure_ascii=False))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            with single_instance(Path(tmp), files) as (url, processes, startup):
                result["startup"] = startup
                print(f"start-up: {startup}", flush=True)
                sequential(url, conversations[-50:], settings.warmup)
                result["sequential"] = sequential(url, conversations, settings.messages)
                result["memory_mb"] = {
                    "rasa_after_warmup": rss_mb(processes["rasa"].pid),
                    "action_server_after_warmup": rss_mb(processes["actions"].pid),
                }
                print(f"sequential: {without_raw(result['sequential'])}", flush=True)
                print(f"memory (MB): {result['memory_mb']}", flush=True)
                result["load"] = []
                for users in settings.users:
                    run = load(args.locust, [url], users, settings, files, f"single-{users}")
                    result["load"].append(run | {"stores": "SQLite", "balancing": None})
                    print(f"load: {without_raw(run)}", flush=True)
                result["memory_mb"]["rasa_peak"] = peak_rss_mb(processes["rasa"].pid)
                result["memory_mb"]["action_server_peak"] = peak_rss_mb(processes["actions"].pid)
        result["load"] += cluster_load(args.locust, settings, files, files)
        result["profiles"] = profiles(files)
        if args.with_training:
            result["training_s"] = training(files)
            print(f"training: {result['training_s']} s", flush=True)
    finally:
        result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        result["targets"] = target_checks(result, args.quick)
        (args.out / "bench.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    plot(result, args.out / "bench.png")
    for check in result["targets"]:
        print(f"{check['what']}: {check['measured']} (target {check['target']}): {check['met']}")
    print(f"wrote {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    if not args.quick:
        RESULTS_PAGE.write_text(results_page(result))
        print(f"wrote {RESULTS_PAGE}")


def results_page(result: dict) -> str:
    """docs/bench-results.md: the figures against their targets, and the load steps."""
    machine_info = result["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {result['date']} (commit {result['commit']}); do not edit by"
        " hand. What is measured and how: `docs/benchmark.md`.",
        "",
        f"Machine: {machine_info['cpu']}, {machine_info['cores']} cores, "
        f"{machine_info['ram_gb']} GB; load average {machine_info['load_average_at_start']} at "
        f"the start, {machine_info.get('load_average_at_end')} at the end.",
        "",
        "| figure | measured | target | met |",
        "| --- | --- | --- | --- |",
    ]
    for check in result["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[check["met"]]
        lines.append(f"| {check['what']} | {check['measured']} | {check['target']} | {met} |")
    lines += [
        "",
        "## Load steps",
        "",
        "| instances | conversations | messages/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for run in result.get("load", []):
        lines.append(
            f"| {run['instances']} | {run['users']} | {run['messages_per_s']} | {run['p50_ms']} |"
            f" {run['p95_ms']} | {run['p99_ms']} | {run['errors']} |"
        )
    return "\n".join(lines) + "\n"


def without_raw(figures: dict) -> dict:
    return {key: value for key, value in figures.items() if key != "latencies_ms"}


if __name__ == "__main__":
    main()
