# French patient-information assistant (Rasa 3.6).  `make help` lists the targets.
# The two commands that matter: `make run` and `make test`; each sets everything up first.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
# The load generator of `make bench` (Locust) has its own environment: bench/requirements.lock.
BENCH_VENV  := .venv-bench
RASA        := $(BIN)/rasa
UV_VERSION  := 0.13.9
MODEL       := models/assistant.tar.gz
# The widget's npm packages (socket.io client), installed from widget/package-lock.json.
WIDGET_DEPS := widget/node_modules/.package-lock.json
# Browser tests drive Debian's chromium (Playwright's own browser download cannot work here).
SUDO        := $(if $(filter 0,$(shell id -u)),,sudo)
RASA_PORT   ?= 5005
ACTION_PORT ?= 5055
CONSOLE_PORT ?= 8000

# Rasa's telemetry posts to an outside service: never.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# The action server listens on loopback only: Rasa is its only client.
export SANIC_HOST := 127.0.0.1

# data/safety holds the red-flag patterns, read when the assistant starts, and data/review the
# review records of the FAQ answers (make review): neither is a training input.
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' -not -path 'data/safety/*' \
                   -not -path 'data/review/*' 2>/dev/null) \
                   $(shell find components policies -name "*.py" 2>/dev/null)

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

# --- set-up -----------------------------------------------------------------

$(VENV)/.installed: requirements.lock scripts/find-python310.sh
	@test -x $(BIN)/python || "$$(scripts/find-python310.sh)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --python $(BIN)/python --quiet requirements.lock
	@touch $@

$(BENCH_VENV)/.installed: bench/requirements.lock | $(VENV)/.installed
	@test -x $(BENCH_VENV)/bin/python || "$$(scripts/find-python310.sh)" -m venv $(BENCH_VENV)
	$(BIN)/uv pip sync --python $(BENCH_VENV)/bin/python --quiet bench/requirements.lock
	@touch $@

$(WIDGET_DEPS): widget/package.json widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund
	@touch $@

.PHONY: install
install: $(VENV)/.installed $(WIDGET_DEPS) ## Create .venv (Python 3.10) and widget/node_modules from the lock files

# The console's and the multi-instance tests use PostgreSQL (postgres on 127.0.0.1, trust
# authentication, or TEST_POSTGRES_URL) and Redis (redis-server, of which the tests also start
# a private copy); make run-prod uses both.
.PHONY: services
services: ## Make sure PostgreSQL and Redis run on 127.0.0.1 (Debian's packages if missing)
	@command -v redis-server >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y redis-server; }
	@command -v pg_isready >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql; }
	@pg_isready -q -h 127.0.0.1 || $(SUDO) service postgresql start
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || $(SUDO) service redis-server start

.PHONY: browser
browser: ## Install Debian's chromium for the browser tests, if missing
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

.PHONY: nginx
nginx: ## Install Debian's nginx (make run-prod, the balancer check of make test), if missing
	@command -v nginx >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y nginx; }

.PHONY: lock
lock: $(VENV)/.installed ## Re-generate requirements.lock from pyproject.toml, and bench/requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.10 \
	  --python-platform x86_64-manylinux_2_28 --quiet -o requirements.lock
	$(BIN)/uv pip compile bench/requirements.in --python-version 3.10 \
	  --python-platform x86_64-manylinux_2_28 --quiet -o bench/requirements.lock

# --- model ------------------------------------------------------------------

# Order-only on the environment: a new dev tool in the lock must not force a retraining.
$(MODEL): $(TRAINING_INPUTS) | $(VENV)/.installed
	$(BIN)/python -m scripts.rasa_cli train --fixed-model-name assistant --out models
	@touch $@

.PHONY: train
train: $(MODEL) ## Train the model (skipped when data, config and domain are unchanged)

.PHONY: validate
validate: $(VENV)/.installed ## Check data and domain for conflicts and mistakes
	$(RASA) data validate --fail-on-warnings

# The page clinical reviewers read: every FAQ answer as sent, beside the passages it rests on
# and its last review (data/review/faq/). tests/test_faq_review.py fails when it is out of date.
.PHONY: review
review: $(VENV)/.installed ## Write docs/faq-review.md: every FAQ answer, its source passages and its last review
	$(BIN)/python -m scripts.faq_review

# --- run --------------------------------------------------------------------

.PHONY: run
run: $(MODEL) $(WIDGET_DEPS) ## Start the assistant (+ widget demo page), its action server and the staff console, then chat in the terminal
	@install -d -m 700 var
	$(BIN)/python -m scripts.run_local --rasa-port $(RASA_PORT) --action-port $(ACTION_PORT) \
	  --console-port $(CONSOLE_PORT)

# Production layout on this machine (docs/production.md): two Rasa instances over the local
# PostgreSQL and Redis, the action server and the console, behind Debian's nginx.
PROD_PORT ?= 8080
.PHONY: run-prod
run-prod: $(MODEL) $(WIDGET_DEPS) nginx ## Production layout locally: 2 Rasa instances (PostgreSQL, Redis) behind nginx; CHECK=1 checks and stops
	@install -d -m 700 var
	$(BIN)/python -m scripts.run_prod --public-port $(PROD_PORT) $(if $(CHECK),--check)

# The console's key only signs sign-in sessions: its commands do not need the real one.
WITH_CONSOLE_KEY = CONSOLE_SECRET_KEY="$${CONSOLE_SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(32))')}"
.PHONY: account
account: $(VENV)/.installed ## Create a staff console account: make account NAME=claire [ADMIN=1]
	@test -n "$(NAME)" || { echo "usage: make account NAME=claire [ADMIN=1]"; exit 2; }
	@install -d -m 700 var
	$(WITH_CONSOLE_KEY) $(BIN)/python -m console migrate --no-input --verbosity 0
	$(WITH_CONSOLE_KEY) $(BIN)/python -m console createstaff $(NAME) $(if $(ADMIN),--admin)

.PHONY: purge
purge: $(VENV)/.installed ## Retention: delete conversations silent for DAYS days (default CONSOLE_RETENTION_DAYS, 90)
	$(WITH_CONSOLE_KEY) $(BIN)/python -m console purge_conversations $(if $(DAYS),--days $(DAYS))

.PHONY: shell
shell: $(MODEL) ## Rasa's own terminal chat (starts the action server too)
	@install -d -m 700 var
	$(RASA) run actions --port $(ACTION_PORT) --actions actions & trap "kill $$!" EXIT; \
	  $(RASA) shell --model $(MODEL) --endpoints endpoints.yml

# --- quality ----------------------------------------------------------------

.PHONY: lint
lint: $(VENV)/.installed ## Static checks (ruff, mypy on the packages listed in pyproject.toml)
	$(BIN)/ruff check actions bench channels components console contracts devstack evaluation organisation policies scripts stores tests
	$(BIN)/ruff format --check actions bench channels components console contracts devstack evaluation organisation policies scripts stores tests
	$(BIN)/mypy

.PHONY: format
format: $(VENV)/.installed ## Format the Python code
	$(BIN)/ruff format actions bench channels components console contracts devstack evaluation organisation policies scripts stores tests
	$(BIN)/ruff check --fix actions bench channels components console contracts devstack evaluation organisation policies scripts stores tests

.PHONY: test-unit
test-unit: lint $(VENV)/.installed services ## Fast checks first: lint and the unit tests (no trained model, no server; under a minute)
	$(BIN)/pytest tests/unit

.PHONY: test
test: test-unit validate $(MODEL) $(WIDGET_DEPS) browser nginx ## Every test: unit tests first, then real servers and the browser, conversations, the evaluation gate
	$(BIN)/pytest tests --ignore=tests/unit
	$(MAKE) --no-print-directory test-stories evaluate

.PHONY: test-stories
test-stories: $(MODEL) ## End-to-end conversations (tests/e2e): safety stories all, the rest >= 90 % (scripts/stories_gate.py)
	$(BIN)/python -m scripts.rasa_cli test core --e2e --model $(MODEL) --stories tests/e2e --out results/e2e
	$(BIN)/python -m scripts.stories_gate results/e2e

# The assistant on text the team did not write (eval/README.md); DOCS=1 also rewrites
# docs/evaluation.md. Fails when a figure is worse than the level reached (evaluation/report.py).
.PHONY: evaluate
evaluate: $(MODEL) ## Blind evaluation set and ordinary French corpus: table and gate (docs/evaluation.md)
	$(BIN)/python -m evaluation --gate $(if $(DOCS),--docs)

# --- benchmark --------------------------------------------------------------

.PHONY: bench
bench: $(MODEL) $(BENCH_VENV)/.installed ## Benchmark (docs/benchmark.md) -> results/bench/; QUICK=1 smoke run, TRAINING=1 also times a training
	$(BIN)/python -m scripts.bench --locust $(BENCH_VENV)/bin/locust $(if $(QUICK),--quick) \
	  $(if $(TRAINING),--with-training)

.PHONY: clean
clean: ## Remove models, results and local data (keeps .venv)
	rm -rf models results .rasa var
