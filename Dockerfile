# The Innovation Hub web app. compose.yaml runs this image as the one-shot `migrate` job and
# as the app replicas; on its own it serves the embedded set-up (one process) on port 8000.
# Debian trixie: its postgresql-client (17) matches compose's PostgreSQL for backup/restore.
FROM python:3.11-slim-trixie

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HUB_VAR_DIR=/app/var

RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md babel.cfg ./
COPY innovation_hub ./innovation_hub
COPY templates ./templates
COPY static ./static
COPY piccolo_migrations ./piccolo_migrations
# Editable: the app finds templates/, static/ and piccolo_migrations/ beside its package.
RUN pip install -e . \
    && pybabel compile --domain=messages --directory=innovation_hub/locale \
    && useradd --system --uid 10001 --home-dir /app --no-create-home hub \
    && mkdir -p /app/var \
    && chown hub:hub /app/var

# Mount a volume on /app/var: uploaded files live there (and, without Redis and SMTP, sessions
# and outgoing mail).
USER hub
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4)"]
CMD ["innovation-hub", "serve", "--host", "0.0.0.0", "--port", "8000"]
