# syntax=docker/dockerfile:1
# Build: make docker (or: docker build -t rare-neuro-bot .)  Run: see compose.yaml and docs/deploy.md

# --- build stage: install the bot and its dependencies into a virtual environment -----------
FROM python:3.11-slim AS build
WORKDIR /src
# a C compiler for the core modules setup.py compiles (mypyc); it stays in this stage
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml setup.py README.md ./
COPY bot ./bot
# content/ is installed with the package (as bot/content, see pyproject.toml)
COPY content ./content
# the same install step as `make run` (Makefile): the project with its declared dependencies
RUN python -m pip install --no-cache-dir --upgrade pip \
 && python -m pip install --no-cache-dir .

# --- final stage: no compilers, no build files, a non-root user --------------------------------
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    BOT_CONTENT_DIR=/app/content \
    BOT_DATA_DIR=/data
RUN groupadd --system --gid 10001 bot \
 && useradd --system --uid 10001 --gid bot --home-dir /app --shell /usr/sbin/nologin bot \
 && mkdir -p /data \
 && chown bot:bot /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# the bundled content, served from here (BOT_CONTENT_DIR) so that a directory mounted at
# /app/content replaces it; the package carries the same files as its default
COPY content ./content
USER bot
# the SQLite database and the heartbeat file live here
VOLUME ["/data"]
# healthy only while the running bot's gateway heartbeat is fresh (see bot/health.py)
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "bot", "health"]
CMD ["python", "-m", "bot", "run"]
