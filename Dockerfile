# rise-mock as a container: a stateful mock of the Rise API for the CI of any importer, whatever its language.
#   docker build -t rise-mock .
#   docker run --rm -p 8080:8080 -e RISE_MOCK_API_KEY=test-key rise-mock
# Settings come from RISE_MOCK_* variables (docker/entrypoint.sh lists them); arguments after the image
# name are passed on to `rise-mock serve`.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md openapi.yaml ./
COPY mock_server ./mock_server
COPY conformance ./conformance
# Wheels of rise-contract and of everything it needs, so that the final image installs offline.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RISE_MOCK_HOST=0.0.0.0 \
    RISE_MOCK_PORT=8080
COPY --from=build /wheels /wheels
# The version is the one the build stage just made; nothing is fetched here.
# hadolint ignore=DL3013
RUN pip install --no-cache-dir --no-index --find-links /wheels rise-contract \
    && rm -rf /wheels \
    && groupadd --gid 10001 rise \
    && useradd --create-home --uid 10001 --gid 10001 --shell /usr/sbin/nologin rise
COPY docker/entrypoint.sh /usr/local/bin/rise-mock-entrypoint
COPY docker/healthcheck.py /usr/local/bin/rise-mock-healthcheck
# Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
WORKDIR /home/rise
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 CMD ["rise-mock-healthcheck"]
ENTRYPOINT ["rise-mock-entrypoint"]
