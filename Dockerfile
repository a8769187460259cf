# One image for every keyflow service of docker-compose.yml: migrate, web, worker and beat.
# Not built by CI (no Docker engine there); tests/test_docker.py checks what it can.

# Browser assets (bpmn-js, dmn-js) from npm, pinned by package-lock.json; no CDN at run time.
FROM node:20.18.1-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# pg_dump and pg_restore for `keyflow backup`/`restore`: bookworm's 15, the postgres service's.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --create-home --home-dir /home/keyflow keyflow
WORKDIR /app

# Dependencies first, in their own layer: a code change does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))\
['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Editable: keyflow finds migrations/, processes/ and node_modules/ beside its packages.
RUN pip install --no-deps -e . \
    && mkdir -p /app/var && chown keyflow:keyflow /app/var && chmod 0700 /app/var

USER keyflow
ENV KEYFLOW_VAR_DIR=/app/var \
    KEYFLOW_PROCESSES_DIR=/app/processes
EXPOSE 5000
CMD ["gunicorn", "-c", "python:webui.gunicorn_config", "--workers", "3", "--threads", "4", \
     "--bind", "0.0.0.0:5000", "webui:create_app()"]
