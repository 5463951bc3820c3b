# The delivery worker image (also runs `migrate` and the operator commands).
# Build from the repository root: docker build -t letta-webhooks-worker .
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN npm install -g pnpm@12.4.2
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages ./packages
COPY migrations ./migrations
RUN pnpm install --frozen-lockfile \
 && pnpm build \
 && pnpm --filter @letta-webhooks/worker deploy --prod /out

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /out ./
ENV NODE_ENV=production \
    WEBHOOK_ADMIN_HOST=0.0.0.0
USER node
# /metrics, /healthz, /readyz
EXPOSE 9464
HEALTHCHECK --interval=15s --timeout=3s CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/letta-webhooks.js"]
CMD ["worker"]
