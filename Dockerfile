# Digitale Räume Hamburg: production image (gunicorn; the same image runs the Celery worker/beat).
FROM python:3.11-slim

# The project has no installable packages ([tool.setuptools] packages = []): the apps are
# imported from the source tree (PYTHONPATH), for gunicorn, celery and manage.py alike.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app

WORKDIR /app

# Pango for PDF reports (WeasyPrint); fonts-dejavu-core as the fallback font; ffmpeg for its
# ffprobe, which checks every video in sign language at upload (inclusion/media.py).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
       ffmpeg \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /home/app --create-home \
       --shell /usr/sbin/nologin app \
    && mkdir -p /var/lib/portal/reports /var/lib/portal/documents /var/lib/portal/videos \
    && chown app:app /var/lib/portal/reports /var/lib/portal/documents /var/lib/portal/videos

# Dependencies first, so that code changes do not reinstall them. With packages = [] this
# installs only the distribution metadata plus the dependencies. (README.md* may be absent.)
COPY pyproject.toml README.md* ./
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

# The source; it stays owned by root and read-only for the app user.
COPY . .

# Static files are collected (and compressed, with a manifest) at build time. The secret key is
# a throw-away for this step only; the real one comes from the environment at run time.
RUN SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime-0123456789 DEBUG=false \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1rZXktbmV2ZXItdXNlZC1hdC1ydW4= \
    API_TOKEN_PEPPERS=build-only-pepper-never-used-at-runtime \
    python manage.py collectstatic --noinput

USER app

EXPOSE 8000

# /healthz over plain HTTP from inside the container: send the first ALLOWED_HOSTS entry as
# Host, and X-Forwarded-Proto (honoured only with BEHIND_TLS_PROXY=true) so that a production
# configuration with SECURE_SSL_REDIRECT does not answer with a redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; hosts = [h.strip().lstrip('.') for h in os.environ.get('ALLOWED_HOSTS', '').split(',') if h.strip() not in ('', '*')]; req = r.Request('http://127.0.0.1:8000/healthz', headers={'Host': hosts[0] if hosts else 'localhost', 'X-Forwarded-Proto': 'https'}); r.urlopen(req, timeout=4).read()"]

CMD ["gunicorn", "hamburg_digital.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
