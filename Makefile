# geotrack: `make run` sets up everything and serves the demo; `make test` sets up
# everything and runs the suite; `make stop` stops what `make run` started.
# Every step is idempotent and skips work that is already done.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
export HOST PORT

APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-15-postgis-3-scripts gdal-bin libgdal32 \
	gettext chromium fonts-dejavu-core ffmpeg poppler-utils \
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 wrk \
	nginx redis-server openssl

STATE = $(shell $(PY) -m geotrack.lib.localdb dir)

.PHONY: run test stop setup sysdeps db migrate demo worker simulator serve check-setup cluster cluster-stop test-cluster

## --- set-up --------------------------------------------------------------------

setup: sysdeps $(VENV)/.installed node_modules/.installed locale/.compiled staticfiles/.collected

# Debian packages: installed only when missing (dpkg-query is fast; apt is not).
sysdeps:
	@missing=""; for pkg in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "geotrack: installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# The Python environment, rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

# Browser assets from the npm registry, served by geotrack itself.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/.compiled: $(wildcard locale/*/LC_MESSAGES/*.po locale_django/*/LC_MESSAGES/*.po) $(VENV)/.installed
	$(MANAGE) compilemessages -v 0
	@touch $@

staticfiles/.collected: node_modules/.installed $(VENV)/.installed $(shell find geotrack projects camera_sites layers -path "*/static/*" -type f 2>/dev/null)
	$(MANAGE) collectstatic --noinput -v 0
	@touch $@

# Prints what `setup` would still do; `make check-setup` after `make setup` is empty.
check-setup:
	@$(MAKE) --no-print-directory -s -q $(VENV)/.installed node_modules/.installed locale/.compiled staticfiles/.collected \
		&& echo "geotrack: set-up complete" || { echo "geotrack: set-up incomplete"; exit 1; }

## --- database ------------------------------------------------------------------

# The project-local cluster when DATABASE_URL is unset; otherwise check that it answers.
db: setup
	@$(PY) -m geotrack.lib.localdb start

migrate: db
	@$(MANAGE) migrate --noinput -v 0

demo: migrate
	@$(MANAGE) load_demo --if-empty

## --- serving -------------------------------------------------------------------

# The worker (WORKERS=n for several) runs under our supervisor, which restarts it if it dies
# (geotrack/lib/procs.py); it reconnects by itself when the database comes back.
worker: migrate
	@$(PY) -m geotrack.lib.procs start-worker
	@$(MANAGE) camera_status_sweep --enqueue 60
	@$(MANAGE) notify --enqueue 15
	@$(MANAGE) progress_monthly --enqueue 300
	@$(MANAGE) sweep_generated --enqueue 3600

# Demo cameras post snapshots and heartbeats to the server (DEMO_CAMERAS=0 turns this off).
simulator: migrate
	@$(PY) -m geotrack.lib.procs start-simulator

# prometheus-client's multiprocess mode: every gunicorn worker and background worker writes its
# samples under $(STATE)/metrics and /metrics sums them (deploy/gunicorn.conf.py marks dead workers).
serve:
	@echo "geotrack: serving on http://$(HOST):$(PORT)/  (make stop to stop)"
	@mkdir -p "$(STATE)/metrics"
	@PROMETHEUS_MULTIPROC_DIR="$(STATE)/metrics" exec $(VENV)/bin/gunicorn geotrack.wsgi -c deploy/gunicorn.conf.py \
		-b $(HOST):$(PORT) \
		--pid "$(STATE)/gunicorn-$(PORT).pid" --control-socket "$(STATE)/gunicorn-$(PORT).ctl" \
		--access-logfile - --graceful-timeout 5

run: demo worker simulator serve

stop:
	@test -x $(PY) && $(PY) -m geotrack.lib.procs stop-all || true

## --- tests ---------------------------------------------------------------------

# Two processes share the two cores (files stay whole on one process, so a module's demo loads once);
# the operations tests restart the cluster and stop workers, so they run alone afterwards.
test: migrate
	$(VENV)/bin/pytest -n 2 --dist loadfile -m "not serial"
	$(VENV)/bin/pytest -m serial

## --- several nodes on one machine (geotrack/lib/cluster.py, README "Several nodes") ----

# Primary + streaming replica, our own Redis, moto as S3, two gunicorn nodes behind nginx, two workers.
cluster: setup
	@$(PY) -m geotrack.lib.cluster up

cluster-stop:
	@test -x $(PY) && $(PY) -m geotrack.lib.cluster down || true

# Brings a fresh cluster up, runs tests/cluster against it, and always takes it down.
test-cluster: setup
	@$(PY) -m geotrack.lib.cluster down >/dev/null 2>&1 || true
	@$(PY) -m geotrack.lib.cluster up
	@status=0; GEOTRACK_TEST_CLUSTER=1 $(VENV)/bin/pytest tests/cluster -q -p no:cacheprovider || status=$$?; \
		$(PY) -m geotrack.lib.cluster down; exit $$status
