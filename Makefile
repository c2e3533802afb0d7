# Etalase: `make run` serves the demo shop, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format migrate seed worker bench bench-feed-data bench-feed bench-orders bench-pymk bench-notifications bench-insights bench-assistant bench-chat bench-webhooks bench-campaign bench-flows messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# daphne's runserver (first in INSTALLED_APPS): the pages and the chat's WebSockets (/ws/) in
# one process; --nostatic leaves static files to WhiteNoise, as in production.
run: seed
	@echo ""
	@echo "  Etalase is starting at http://$(HOST):$(PORT)/  (back office: http://$(HOST):$(PORT)/admin/)"
	@echo "  Sent emails are written to var/mail/. Stop with Ctrl-C."
	@echo ""
	$(BIN)/python manage.py runserver --nostatic $(HOST):$(PORT)

# Two processes (pytest-xdist; TEST_WORKERS=0 for one), each with its own test database and, with
# REDIS_URL, its own Redis database (tests/xdist_redis.py). worksteal: the slow browser and
# fuzzing tests do not leave one process working alone at the end.
TEST_WORKERS ?= 2
test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -p tests.xdist_redis -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# ruff (annotations required in services, selectors, pricing, payments, lock_objects), then mypy
# over the same modules (pyproject.toml [tool.mypy]; it imports shop.settings through django-stubs).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Needs REDIS_URL: a real Celery worker with the periodic scheduler (CELERY_BEAT_SCHEDULE in
# shop/settings.py). Beat keeps its state file in var/ (ignored by git), not in the project folder.
worker: $(VENV)/.installed
	@mkdir -p var
	$(BIN)/celery -A shop worker --beat --schedule var/celerybeat-schedule --loglevel=info

# Needs GNU gettext (apt-get install gettext). Extracts every marked string into
# locale/<lang>/LC_MESSAGES/django.po, then compiles the .mo files (both are committed).
messages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=media --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* media var staticfiles

# HTTP benchmark of the shopper pages (needs wrk: apt-get install wrk). DATABASE_URL picks the database.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/http_pages.py $(BENCH_ARGS)

# The feed benchmark's databases (PostgreSQL on 127.0.0.1, user postgres): etalase_bench at the
# base size and etalase_bench10 with ten times the posts. Minutes, not seconds; safe to re-run.
bench-feed-data: $(VENV)/.installed-dev
	$(BIN)/python bench/feed_load.py --generate --prepare-only $(BENCH_ARGS)

# Load benchmark of the feeds over HTTP (gunicorn, wrk, Redis cache) beside /ping, then the growth
# check on the 10x database. Makes the databases first if they are missing.
bench-feed: $(VENV)/.installed-dev
	$(BIN)/python bench/feed_load.py --generate $(BENCH_ARGS)

# Order placement on PostgreSQL: 8 client processes placing orders through the checkout service,
# on distinct products and on one hot product (orders/s, p50, p99), and the queries of one
# placement. Creates, migrates and EMPTIES BENCH_ORDERS_DATABASE_URL (default etalase_bench_orders).
bench-orders: $(VENV)/.installed-dev
	$(BIN)/python bench/orders_load.py $(BENCH_ARGS)

# People you may know on the feed benchmark's base graph (etalase_bench: make bench-feed-data first):
# cold (no cache) and cached p50/p99 for the users who follow the most accounts, on PostgreSQL.
bench-pymk: $(VENV)/.installed-dev
	$(BIN)/python bench/pymk_bench.py $(BENCH_ARGS)

# Notifications on PostgreSQL and Redis: fan-out of one post to 100,000 followers (time, peak
# memory, per batch size) and emails/s through a real Celery worker (10,000 emails, file backend).
# Creates and DROPS BENCH_NOTIF_DATABASE_URL (default etalase_bench_notif); Redis database 8.
bench-notifications: $(VENV)/.installed-dev
	$(BIN)/python bench/notifications_bench.py $(BENCH_ARGS)

# Insights on PostgreSQL and Redis: events recorded through shop.events and drained into the
# partitioned table (events/s, none lost), a day of events rolled up twice (seconds, same rows),
# bytes an event takes, and a store's dashboard over a year of daily figures of 200 stores (queries,
# p50/p99 ms for today, 7, 30, 90 and 365 days). Creates and DROPS BENCH_INSIGHTS_DATABASE_URL (default
# etalase_bench_insights); Redis database 9 (--redis-url). First, recording at 10,000 events/s while
# the feed benchmark's wrk load runs (its etalase_bench: make bench-feed-data; TRUNCATEs its event
# table; flushes Redis database 7): the feed pages' share of /ping without and with recording, and
# events sent against stored (--skip-under-feed, --only-under-feed; options in bench/README.md).
bench-insights: $(VENV)/.installed-dev
	$(BIN)/python bench/insights_bench.py $(BENCH_ARGS)

# The store assistant's time per message with 500 FAQ entries (p50, p99): the match alone and
# the whole answering task, on PostgreSQL (creates and drops etalase_bench_assistant) and Redis.
bench-assistant: $(VENV)/.installed-dev
	$(BIN)/python bench/assistant_bench.py $(BENCH_ARGS)

# Live chat on PostgreSQL and Redis, as deployed (DJANGO_ENV=production, one daphne for /ws/,
# gunicorn for the API): 1,000 token-authenticated sockets (500 conversations), 200 messages/s
# sent through the API for 30 s (send-to-receipt p50/p99 at the recipient's socket), then
# 300, 400, 600, 800/s until saturated (p99 > 1 s or < 95 % accepted; down to 100, 50, 25 when
# 200 is); memory per idle socket;
# messages missed on the socket, recovered by resync, lost after resync (must be 0); the same
# beside a bare Channels consumer (INSERT, group_send) on the same daphne; then the inbox and a
# thread at 10 vs 10,000 conversations / 50,000 messages (queries, p50). About 5-10 minutes.
# Arguments (BENCH_ARGS): --conversations 500 --rate 200 --seconds 30 --steps 300,400,600,800
# --step-seconds 10 --saturation-ms 1000 --workers 4 --layer-capacity N (a small one makes the
# layer drop, to see resync recover) --inbox-conversations 10000 --thread-messages 50000
# --repeats 30 --skip-bare --skip-queries --keep. Results: bench/README.md, "Live chat benchmark".
# Creates and DROPS BENCH_CHAT_DATABASE_URL (default etalase_bench_chat); Redis database 4,
# flushed (BENCH_CHAT_REDIS_URL).
bench-chat: $(VENV)/.installed-dev
	$(BIN)/python bench/chat_bench.py $(BENCH_ARGS)

# WhatsApp webhooks on PostgreSQL and Redis: signed deliveries posted at 200 a second to gunicorn
# (p50/p99 answer time, processing left to the worker), then events a second one Celery worker
# processes, then one event posted 100 times at once (one message). Creates and DROPS
# BENCH_WEBHOOKS_DATABASE_URL (default etalase_bench_webhooks); Redis database 10 (--redis-url).
# BENCH_ARGS: --rate 200 --duration 15 --workers 2 --copies 100 --intake-only --keep.
bench-webhooks: $(VENV)/.installed-dev
	$(BIN)/python bench/webhook_bench.py $(BENCH_ARGS)

# Campaigns on PostgreSQL and Redis with production settings: 100,000 recipients through a real
# Celery worker (prefork, 2 processes) to a local aiosmtpd in its own process (emails/s, peak RSS
# per worker process, every address exactly once), then segment counts on 1,000,000 contacts (p50).
# Smaller first: make bench-campaign BENCH_ARGS="--recipients 10000 --contacts 100000".
# Creates and DROPS BENCH_CAMPAIGN_DATABASE_URL (default etalase_bench_campaign); Redis database 12.
bench-campaign: $(VENV)/.installed-dev
	$(BIN)/python bench/campaign_bench.py $(BENCH_ARGS)

# One evaluation of every flow's due steps with 1,000,000 contacts enrolled on PostgreSQL (target
# under 10 s), the next minute's, and the periodic triggers' scan. Smaller first:
# make bench-flows BENCH_ARGS="--contacts 20000". Creates and DROPS BENCH_FLOWS_DATABASE_URL
# (default etalase_bench_flows); Redis database 13 (its "celery" list is purged).
bench-flows: $(VENV)/.installed-dev
	$(BIN)/python bench/flows_bench.py $(BENCH_ARGS)
