# jrp as a container: `jrp serve` on 0.0.0.0:8000 with 2 workers, its settings from JRP_* variables,
# DATABASE_URL or a TOML file named by JRP_CONFIG (see jrp/settings.py). compose.yaml runs it beside
# PostgreSQL. Build: docker build -t jrp .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    JRP_HOST=0.0.0.0 JRP_PORT=8000 JRP_WORKERS=2 JRP_DATA_DIR=/var/lib/jrp

WORKDIR /srv/jrp
COPY pyproject.toml README.md ./
COPY jrp jrp
COPY vocabulary vocabulary
COPY engine engine
COPY rulesets rulesets
COPY measures_catalog measures_catalog
COPY adapters adapters
COPY api api
RUN pip install . && useradd --system --home /var/lib/jrp --create-home jrp
USER jrp

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["jrp", "serve"]
