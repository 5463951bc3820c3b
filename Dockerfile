# The service image: the delivery worker (default command), the HTTP API
# (`api`), `migrate` and the operator commands, all from one build.
#   docker build -t letta-webhooks .                      (from the repository root)
#   docker run letta-webhooks worker | api | migrate | stats | …
# NODE_IMAGE: any Node 20 image with npm and a `node` user. CI, which reaches
# no image registry, passes one made from Debian's packages and its own Node
# (scripts/test-images.sh; docs/containers.md).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
RUN npm install -g pnpm@12.4.2
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages ./packages
COPY migrations ./migrations
RUN pnpm install --frozen-lockfile \
 && pnpm build \
 && pnpm --filter @letta-webhooks/cli deploy --prod /out

FROM ${NODE_IMAGE}
WORKDIR /app
COPY --from=build /out ./
# Listen beyond the container's loopback, so the orchestrator can reach the
# API and Prometheus the admin server. NODE_OPTIONS: V8's young generation at
# 4 MB semi-spaces instead of 16 keeps a busy worker's RSS under 200 MB for
# ~4 % more CPU per delivery (docs/performance.md, "V8 young generation");
# the bench starts its workers with these same flags.
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=4" \
    WEBHOOK_ADMIN_HOST=0.0.0.0 \
    WEBHOOK_API_HOST=0.0.0.0
USER node
# 9464: the worker's /metrics, /healthz, /readyz. 8080: the HTTP API (`api`).
EXPOSE 9464 8080
# /readyz of whichever of the two this container runs (packages/cli/src/healthcheck.ts).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "bin/letta-webhooks.js"]
CMD ["worker"]
