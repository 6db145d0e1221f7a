# splice-relay: one slim image, dependencies in their own cached layer, non-root at run time.
#   docker build -t splice-relay .
#   docker run --rm -p 8080:8080 splice-relay              # simulated providers, no keys
#   docker run --rm -p 8080:8080 -v "$PWD/relay.toml:/etc/splice-relay/relay.toml:ro" \
#     -e SPLICE_RELAY_CONFIG=/etc/splice-relay/relay.toml -e OPENAI_API_KEY splice-relay
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# 1. Dependencies only, from pyproject.toml at the versions of constraints.txt (what CI tested):
#    this layer is rebuilt only when one of the two changes.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2. The source, installed without touching the dependencies. The tiktoken files ship inside
#    the package (relay/encodings/), so nothing is downloaded at run time. The load tool
#    (loadtest/) is not part of the product and stays out of the image.
COPY README.md ./
COPY relay ./relay
COPY providers ./providers
COPY splice ./splice
RUN pip install --no-deps . \
    && rm -rf /app/build /app/*.egg-info

# 3. Run as an unprivileged user.
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin relay
USER relay

EXPOSE 8080

# slim has no curl: probe /healthz with the standard library.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]

# SIGTERM drains the relay (docs/deployment.md#deploys-crashes-partitions-and-redis-outages): Redis
# store, running streams are handed over to another instance; memory store, they get
# server.drain_s (25 s) to finish, so stop with `docker stop --time 35` or more.
STOPSIGNAL SIGTERM
CMD ["splice-relay", "serve", "--host", "0.0.0.0", "--port", "8080"]
