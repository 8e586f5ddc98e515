# Digitale Räume Hamburg: developer tasks.
#
#   make run       the portal on http://127.0.0.1:8000 with its worker and beat (SQLite, demo data,
#                  no services; PORT=8001 for another port; mail in var/mail/); Ctrl-C stops all
#   make test      run the test suite (needs PostgreSQL and Redis; see scripts/check_services.py)
#   make idp       a local OpenID Connect provider (Dienstkonto stand-in) on 127.0.0.1:9000, dev only
#   make idp-deps  install its node_modules (npm ci in scripts/idp) when the lock file changed
#   make worker    a Celery worker against the local Redis (mails, reports)
#   make beat      Celery beat against the local Redis: the schedule in the database
#   make pdf-deps  install Pango for PDF reports (WeasyPrint) where apt-get can
#   make html-checker  install the Nu HTML Checker (npm vnu-jar, Java from Debian) for the tests
#   make failover-deps  install PgBouncer (Debian's package) for the failover tests where apt-get can
#   make sentinel-deps  install Debian's redis-server and redis-sentinel for the failover test
#   make lint      ruff, djlint, mypy, Django's deployment checks, missing migrations, manifests
#   make manifests render the Kubernetes overlays (deploy/) and validate them for two versions
#   make format    format and auto-fix with ruff
#   make messages  update and compile the English translation
#   make bench     measure at city scale (own database hd_bench; BENCH_PROJECTS=500 ... smaller)
#   make bench-search  only the search over 100,000 posts against a primary-key page
#   make vendor    refresh the KERN design system in static/vendor/kern from npm
#   make clean     remove the local database and generated files

VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
MANAGE  := $(PYTHON) manage.py
STAMP   := $(VENV)/.installed

PYTEST_ARGS ?=
# The suite runs in parallel (pytest-xdist), a database per process; the browser and worker-kill
# tests run module by module, shared by the processes (tests/conftest.py). TEST_PROCESSES=0 runs
# it in one.
TEST_PROCESSES ?= 2

# The port of `make run`'s web server.
PORT ?= 8000

# The local identity provider of `make idp` (docs/single-sign-on.md) and the portal it serves
# (`make idp PORT=8001` for a portal started with `make run PORT=8001`).
IDP_PORT          ?= 9000
PORTAL_URL        ?= http://127.0.0.1:$(PORT)
IDP_CLIENT_SECRET ?= demo-secret-only-for-make-idp

# `make run` and `make messages`: DEBUG on, and the embedded defaults (SQLite file db.sqlite3,
# local-memory cache, Celery tasks in-process) instead of whatever services the shell points at.
# `make run` adds its broker: kombu's file-system transport (RUN_ENV).
# The sign-in page offers the staff account of `make idp` (run it in a second terminal; without
# it, the button answers that the sign-in service cannot be reached).
DEV_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL DEBUG=true \
	OIDC_ISSUER=http://127.0.0.1:$(IDP_PORT) OIDC_CLIENT_ID=portal-demo \
	OIDC_CLIENT_SECRET=$(IDP_CLIENT_SECRET)

# `make run`: a real worker and beat over kombu's file-system transport (var/celery/, no server);
# links in mails point at this port.
RUN_ENV = $(DEV_ENV) CELERY_BROKER_URL=filesystem:// PORTAL_BASE_URL=http://127.0.0.1:$(PORT)

# `make lint`: Django's deployment checks run against a production-like configuration.
DEPLOY_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL \
	DEBUG=false \
	SECRET_KEY=lint-only-q7Vd2Kx9Rm4Tz8Lp3Wn6Hs1Bf5Yc0Jg7Ua2Ne9Xo4Ik8Ql3Zr \
	FIELD_ENCRYPTION_KEYS=qfsgjbP8kA5m482hixoN7452FMU2KKrsXF3b1kgThSY= \
	API_TOKEN_PEPPERS=lint-only-5e0c1d2b3a4f \
	ALLOWED_HOSTS=portal.example.org \
	SECURE_HTTPS=true

.DEFAULT_GOAL := help
.PHONY: help venv run test check-services browser pdf-deps ffmpeg failover-deps sentinel-deps worker beat lint format messages vendor clean bench bench-search idp idp-deps html-checker manifests kubectl

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

# --- Virtual environment -------------------------------------------------------------------

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $@

# --- Run -----------------------------------------------------------------------------------

# The web server, a Celery worker and beat in one terminal, each line prefixed with its name
# (scripts/run_local.py); Ctrl-C stops all three. Mail: the console and var/mail/*.eml.
run: venv pdf-deps ffmpeg
	@$(PYTHON) scripts/run_local.py --check
	$(RUN_ENV) $(MANAGE) migrate --noinput
	$(RUN_ENV) $(MANAGE) seed_demo
	$(RUN_ENV) $(PYTHON) scripts/run_local.py --port $(PORT)

# --- Tests ---------------------------------------------------------------------------------

# PostgreSQL and Redis for the tests; override from the environment or the command line.
test check-services: export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hamburg_digital
test check-services: export REDIS_URL ?= redis://127.0.0.1:6379/0
test: export DEBUG = false
test: export SECRET_KEY = test-only-secret-key-not-used-anywhere-else-0123456789
test: export FIELD_ENCRYPTION_KEYS = UDFInoPLQvRExA8aNg08KiQAcctKEGUFEg5Y9zHPg6Y=
test: export API_TOKEN_PEPPERS = test-only-pepper-0123456789abcdef
# The test client and the browser tests talk plain HTTP to a local server.
test: export SECURE_SSL_REDIRECT = false
# Compiled modules are kept (a shell with PYTHONDONTWRITEBYTECODE=1 made every process of the
# suite, each server and worker the tests start among them, compile the portal again).
test: export PYTHONDONTWRITEBYTECODE =

test: venv browser pdf-deps ffmpeg failover-deps sentinel-deps idp-deps html-checker check-services
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(VENV)/bin/pytest -n $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

check-services: venv
	$(PYTHON) scripts/check_services.py

# The end-to-end tests drive a system Chromium (never a browser downloaded by Playwright).
browser:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: $$(command -v chromium)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "chromium is missing: installing it with apt-get ..."; \
		if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; then \
			echo "chromium: installed"; \
		else \
			echo "NOTE: could not install chromium; the end-to-end tests cannot run."; \
		fi; \
	else \
		echo "NOTE: chromium is not on PATH and cannot be installed here (needs root and apt-get);"; \
		echo "      install it yourself (e.g. sudo apt-get install chromium) to run the end-to-end tests."; \
	fi

# The Nu HTML Checker (W3C) that the browser suite runs over every page it visits
# (tests/html_checker.py): the npm package vnu-jar (its download script is not run: the jar is in
# the package) and a Java runtime from Debian.
VNU_DIR   := scripts/vnu
VNU_STAMP := $(VNU_DIR)/node_modules/.installed

html-checker: $(VNU_STAMP)
	@if command -v java >/dev/null 2>&1; then \
		echo "java: $$(command -v java)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "java is missing: installing default-jre-headless with apt-get ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; \
	else \
		echo "NOTE: java is not on PATH and cannot be installed here (needs root and apt-get);"; \
		echo "      install a Java runtime to run the HTML checks of the browser suite."; \
	fi

$(VNU_STAMP): $(VNU_DIR)/package.json $(VNU_DIR)/package-lock.json
	npm ci --prefix $(VNU_DIR) --no-audit --no-fund --ignore-scripts
	@touch $@

# The failover tests (tests/test_failover_pool.py) put Debian's PgBouncer in front of the test
# database; without it they are skipped and say why.
failover-deps:
	@if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then \
		echo "pgbouncer: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "pgbouncer is missing: installing it with apt-get ..."; \
		if (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null 2>&1 \
			|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer)); then \
			echo "pgbouncer: installed"; \
		else \
			echo "NOTE: could not install pgbouncer; the PgBouncer tests are skipped."; \
		fi; \
	else \
		echo "NOTE: pgbouncer is missing and cannot be installed here (needs root and apt-get):"; \
		echo "      the PgBouncer tests are skipped. Install it with: sudo apt-get install pgbouncer"; \
	fi

# --- Local identity provider (single sign-on) ----------------------------------------------

# A real OpenID Connect provider (oidc-provider on Node) standing in for the Dienstkonto der FHH:
# for `make run` and the tests (tests/idp.py), never for production. Loopback only; the demo
# people and their groups are in scripts/idp_demo_config.py and docs/single-sign-on.md.
IDP_DIR           := scripts/idp
IDP_STAMP         := $(IDP_DIR)/node_modules/.installed

idp-deps: $(IDP_STAMP)

$(IDP_STAMP): $(IDP_DIR)/package.json $(IDP_DIR)/package-lock.json
	npm ci --prefix $(IDP_DIR) --no-audit --no-fund
	@touch $@

idp: export IDP_CLIENT_SECRET := $(IDP_CLIENT_SECRET)
idp: venv idp-deps
	@mkdir -p var/idp
	$(PYTHON) scripts/idp_demo_config.py --portal-url $(PORTAL_URL) > var/idp/config.json.partial
	@mv var/idp/config.json.partial var/idp/config.json
	IDP_CONFIG=var/idp/config.json IDP_PORT=$(IDP_PORT) node $(IDP_DIR)/server.mjs

# --- Benchmark ---------------------------------------------------------------------------------

# A database of its own (created anew each run) and a Redis database of its own; loopback only.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hd_bench
BENCH_REDIS_URL    ?= redis://127.0.0.1:6379/8
BENCH_PROJECTS     ?= 5000
BENCH_LINES        ?= 100000
BENCH_PEOPLE       ?= 20000
BENCH_AUDIT        ?= 150000
BENCH_RUNS         ?= 20
BENCH_LOAD_USERS   ?= 50
BENCH_LOAD_SECONDS ?= 60
BENCH_SEARCH_POSTS ?= 100000
BENCH_STAMP        := $(VENV)/.installed-bench

$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(PIP) install --quiet -e '.[dev,bench]'
	@touch $@

bench: venv $(BENCH_STAMP)
	$(PYTHON) bench/run_bench.py \
		--database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL) \
		--projects $(BENCH_PROJECTS) --lines $(BENCH_LINES) --people $(BENCH_PEOPLE) \
		--audit $(BENCH_AUDIT) --runs $(BENCH_RUNS) --search-posts $(BENCH_SEARCH_POSTS) \
		--load-users $(BENCH_LOAD_USERS) --load-seconds $(BENCH_LOAD_SECONDS)

# The search alone: 100,000 posts against a primary-key page (people and projects smaller).
bench-search: venv $(BENCH_STAMP)
	$(PYTHON) bench/run_bench.py --search-only \
		--database-url $(BENCH_DATABASE_URL) --redis-url $(BENCH_REDIS_URL) \
		--projects 500 --lines 10000 --people 2000 --audit 15000 --runs $(BENCH_RUNS) \
		--search-posts $(BENCH_SEARCH_POSTS)

# --- Background jobs -----------------------------------------------------------------------

# The worker and beat of a production-like setup, against the local PostgreSQL and Redis (the
# same services `make test` uses; override DATABASE_URL / REDIS_URL). `make run` runs
# its own worker and beat over a local file-system broker (scripts/run_local.py).
WORKER_ENV := env DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hamburg_digital} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} DEBUG=$${DEBUG:-true}

worker: venv pdf-deps
	$(WORKER_ENV) $(VENV)/bin/celery -A hamburg_digital worker --loglevel=INFO

# django-celery-beat keeps the schedule in the database (ITD changes the times in the admin);
# the entries of CELERY_BEAT_SCHEDULE are written there. A second beat (another host) is
# harmless: only the holder of the lease sends (core.beat), the other takes over when it dies.
beat: venv
	$(WORKER_ENV) $(MANAGE) migrate --noinput
	$(WORKER_ENV) $(VENV)/bin/celery -A hamburg_digital beat --loglevel=INFO

# PDF reports: WeasyPrint needs Pango; the tests read the PDFs' text order with pdftotext
# (poppler-utils, tests/pdf_ua.py). Installed here where the machine allows it; otherwise the
# portal says on /reports/ (and `manage.py check`) that PDFs are not available.
pdf-deps:
	@missing=""; \
	if ! (ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && ldconfig -p | grep -q 'libpangoft2-1.0.so'); then \
		missing="libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
	fi; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	if [ -z "$$missing" ]; then \
		echo "pango, pdftotext: present (PDF reports available)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing with apt-get:$$missing ..."; \
		if (apt-get install -y -qq $$missing >/dev/null 2>&1 \
			|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing)); then \
			echo "pango, pdftotext: installed"; \
		else \
			echo "NOTE: could not install$$missing; PDF reports (or their tests) are not available."; \
		fi; \
	else \
		echo "NOTE:$$missing missing and cannot be installed here (needs root and apt-get):"; \
		echo "      without Pango PDF reports are not available (XLSX and CSV are); without"; \
		echo "      poppler-utils the PDF/UA tests cannot read the text order."; \
	fi

# The Sentinel failover test (tests/test_failover_sentinel.py) starts two Redis servers and
# three Sentinels from Debian's packages on loopback; without them it is skipped and says why.
# One apt-get at a time: a held dpkg lock is waited for (up to 5 minutes).
sentinel-deps:
	@if command -v redis-server >/dev/null 2>&1 && command -v redis-sentinel >/dev/null 2>&1; then \
		echo "redis-server, redis-sentinel: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "redis-server or redis-sentinel is missing: installing them with apt-get ..."; \
		if (DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server redis-sentinel >/dev/null 2>&1 \
			|| (apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get -o DPkg::Lock::Timeout=300 install -y -qq redis-server redis-sentinel)); then \
			echo "redis-server, redis-sentinel: installed"; \
		else \
			echo "NOTE: could not install redis-server and redis-sentinel; the Sentinel failover test is skipped."; \
		fi; \
	else \
		echo "NOTE: redis-server or redis-sentinel is missing and cannot be installed here (needs root and"; \
		echo "      apt-get): the Sentinel failover test is skipped. Install them yourself"; \
		echo "      (sudo apt-get install redis-server redis-sentinel) to run it."; \
	fi

# ffprobe checks every video in sign language at upload (size, frame rate, duration; the
# inclusion app), and the tests make their small videos with ffmpeg. Debian's package; apt's
# lock may be held by another install on the machine, so it is tried a few times.
ffmpeg:
	@if command -v ffprobe >/dev/null 2>&1 && command -v ffmpeg >/dev/null 2>&1; then \
		echo "ffmpeg, ffprobe: present (videos in sign language can be checked)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing ffmpeg with apt-get ..."; \
		for attempt in 1 2 3 4 5; do \
			if (apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null 2>&1 \
				|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
					apt-get install -y -qq --no-install-recommends ffmpeg >/dev/null 2>&1)); then \
				echo "ffmpeg, ffprobe: installed"; break; \
			fi; \
			echo "apt-get busy or failed (attempt $$attempt), retrying in 20 s ..."; sleep 20; \
		done; \
		command -v ffprobe >/dev/null 2>&1 || echo "NOTE: could not install ffmpeg; video uploads are refused."; \
	else \
		echo "NOTE: ffmpeg missing and cannot be installed here (needs root and apt-get):"; \
		echo "      uploads of videos in sign language are refused, their tests skipped."; \
	fi

# --- Code quality --------------------------------------------------------------------------

lint: venv manifests
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check
	$(VENV)/bin/djlint templates --lint
	$(DEV_ENV) $(VENV)/bin/mypy $$($(PYTHON) -m hamburg_digital.layers)
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(DEPLOY_ENV) $(MANAGE) makemigrations --check --dry-run

# Kubernetes (deploy/README.md): every overlay rendered by kustomize (the one in kubectl) and
# validated with the API schemas that kubernetes-validate bundles (offline), strictly (no
# unknown field), for two Kubernetes versions. The portal's own rules for the manifests (one
# beat, non-root, probes, secrets by reference, ...) are tests/test_deploy_manifests.py.
K8S_VERSIONS ?= 1.36.0 1.37.0
K8S_OVERLAYS := $(notdir $(wildcard deploy/overlays/*))

# kubectl with kustomize v5 (kubectl 1.27 or newer). Debian's own package kubernetes-client is
# 1.20 (kustomize v2: no replacements, no labels), so it is not installed from there; see
# deploy/README.md for where to get kubectl.
kubectl:
	@if ! command -v kubectl >/dev/null 2>&1; then \
		echo "NOTE: kubectl is not on PATH: it renders the manifests (kubectl kustomize)."; \
		echo "      Install kubectl 1.27 or newer from the Kubernetes project's apt repository or the"; \
		echo "      Google Cloud CLI's package 'kubectl' (Debian's kubernetes-client 1.20 is too old)."; \
		exit 1; \
	elif ! kubectl version --client 2>/dev/null | grep -q 'Kustomize Version: v5'; then \
		echo "NOTE: $$(command -v kubectl) has no kustomize v5 (kubectl 1.27 or newer is needed):"; \
		kubectl version --client; \
		exit 1; \
	fi

manifests: venv kubectl
	@mkdir -p var/manifests
	@set -e; for overlay in $(K8S_OVERLAYS); do \
		kubectl kustomize deploy/overlays/$$overlay > var/manifests/$$overlay.yaml; \
		for version in $(K8S_VERSIONS); do \
			$(VENV)/bin/kubernetes-validate --strict --quiet -k $$version var/manifests/$$overlay.yaml; \
			echo "deploy/overlays/$$overlay: $$(grep -c '^kind:' var/manifests/$$overlay.yaml) resources valid (strict) for Kubernetes $$version"; \
		done; \
	done

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# --- Translations --------------------------------------------------------------------------

messages: venv
	$(DEV_ENV) $(MANAGE) makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(DEV_ENV) $(MANAGE) compilemessages --ignore=.venv

# --- Front-end assets ----------------------------------------------------------------------

KERN_DEST := static/vendor/kern

# Fetches the version pinned in package.json; fonts/fira-sans.css is ours and stays as it is.
vendor:
	@set -eu; \
	version=$$(node -p "require('./package.json').dependencies['@kern-ux/native'].replace(/^[~^=]/, '')"); \
	tmp=$$(mktemp -d); \
	trap 'rm -rf "$$tmp"' EXIT; \
	echo "Fetching @kern-ux/native@$$version from npm ..."; \
	(cd "$$tmp" && npm pack --silent "@kern-ux/native@$$version" >/dev/null); \
	tar -xzf "$$tmp"/*.tgz -C "$$tmp"; \
	pkg="$$tmp/package"; \
	mkdir -p $(KERN_DEST)/fonts/fira-sans; \
	cp "$$pkg/dist/kern.min.css" "$$pkg/dist/kern-utilities.min.css" "$$pkg/LICENSE.md" $(KERN_DEST)/; \
	for weight in Regular Italic Medium SemiBold Bold; do \
		cp "$$pkg/dist/fonts/fira-sans/FiraSans-$$weight.woff2" $(KERN_DEST)/fonts/fira-sans/; \
	done; \
	echo "Updated $(KERN_DEST) to @kern-ux/native@$$version."

# --- Housekeeping --------------------------------------------------------------------------

clean:
	rm -rf db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache .mypy_cache var/celery
