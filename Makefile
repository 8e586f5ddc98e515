# Digitale Räume Hamburg: developer tasks.
#
#   make run       start the portal on http://127.0.0.1:8000 (SQLite, demo data, no services)
#   make test      run the test suite (needs PostgreSQL and Redis; see scripts/check_services.py)
#   make idp       a local OpenID Connect provider (Dienstkonto stand-in) on 127.0.0.1:9000, dev only
#   make idp-deps  install its node_modules (npm ci in scripts/idp) when the lock file changed
#   make worker    a Celery worker against the local Redis (mails, reports)
#   make beat      Celery beat against the local Redis: the schedule in the database
#   make pdf-deps  install Pango for PDF reports (WeasyPrint) where apt-get can
#   make sentinel-deps  install Debian's redis-server and redis-sentinel for the failover test
#   make lint      ruff, djlint, mypy, Django's deployment checks, missing migrations
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

# The local identity provider of `make idp` (docs/single-sign-on.md) and the portal it serves.
IDP_PORT          ?= 9000
PORTAL_URL        ?= http://127.0.0.1:8000
IDP_CLIENT_SECRET ?= demo-secret-only-for-make-idp

# `make run` and `make messages`: DEBUG on, and the embedded defaults (SQLite file db.sqlite3,
# local-memory cache, Celery tasks in-process) instead of whatever services the shell points at.
# The sign-in page offers the staff account of `make idp` (run it in a second terminal; without
# it, the button answers that the sign-in service cannot be reached).
DEV_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL DEBUG=true \
	OIDC_ISSUER=http://127.0.0.1:$(IDP_PORT) OIDC_CLIENT_ID=portal-demo \
	OIDC_CLIENT_SECRET=$(IDP_CLIENT_SECRET)

# `make lint`: Django's deployment checks run against a production-like configuration.
DEPLOY_ENV := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL \
	DEBUG=false \
	SECRET_KEY=lint-only-q7Vd2Kx9Rm4Tz8Lp3Wn6Hs1Bf5Yc0Jg7Ua2Ne9Xo4Ik8Ql3Zr \
	FIELD_ENCRYPTION_KEYS=qfsgjbP8kA5m482hixoN7452FMU2KKrsXF3b1kgThSY= \
	API_TOKEN_PEPPERS=lint-only-5e0c1d2b3a4f \
	ALLOWED_HOSTS=portal.example.org \
	SECURE_HTTPS=true

.DEFAULT_GOAL := help
.PHONY: help venv run test check-services browser pdf-deps sentinel-deps worker beat lint format messages vendor clean bench bench-search idp idp-deps

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

run: venv pdf-deps
	$(DEV_ENV) $(MANAGE) migrate --noinput
	$(DEV_ENV) $(MANAGE) seed_demo
	$(DEV_ENV) $(MANAGE) runserver 127.0.0.1:8000

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

test: venv browser pdf-deps sentinel-deps idp-deps check-services
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
# same services `make test` uses; override DATABASE_URL / REDIS_URL). Under `make run` there is
# no broker: tasks run in-process and mail goes to the console.
WORKER_ENV := env DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hamburg_digital} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} DEBUG=$${DEBUG:-true}

worker: venv pdf-deps
	$(WORKER_ENV) $(VENV)/bin/celery -A hamburg_digital worker --loglevel=INFO

# Exactly one beat per installation: django-celery-beat keeps the schedule in the database
# (ITD changes the times in the admin); the entries of CELERY_BEAT_SCHEDULE are written there.
beat: venv
	$(WORKER_ENV) $(MANAGE) migrate --noinput
	$(WORKER_ENV) $(VENV)/bin/celery -A hamburg_digital beat --loglevel=INFO

# PDF reports: WeasyPrint needs Pango. Installed here where the machine allows it; otherwise
# the portal says on /reports/ (and `manage.py check`) that PDFs are not available.
pdf-deps:
	@if ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' && ldconfig -p | grep -q 'libpangoft2-1.0.so'; then \
		echo "pango: present (PDF reports available)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "pango is missing: installing it with apt-get ..."; \
		if (apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null 2>&1 \
			|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core)); then \
			echo "pango: installed"; \
		else \
			echo "NOTE: could not install Pango; PDF reports are not available (XLSX and CSV are)."; \
		fi; \
	else \
		echo "NOTE: Pango is missing and cannot be installed here (needs root and apt-get):"; \
		echo "      PDF reports are not available (XLSX and CSV are). Install libpango-1.0-0 and"; \
		echo "      libpangoft2-1.0-0 (Debian/Ubuntu) to enable them."; \
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

# --- Code quality --------------------------------------------------------------------------

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --check
	$(VENV)/bin/djlint templates --lint
	$(DEV_ENV) $(VENV)/bin/mypy $$($(PYTHON) -m hamburg_digital.layers)
	$(DEPLOY_ENV) $(MANAGE) check --deploy --fail-level WARNING
	$(DEPLOY_ENV) $(MANAGE) makemigrations --check --dry-run

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
	rm -rf db.sqlite3 staticfiles .pytest_cache .mypy_cache
