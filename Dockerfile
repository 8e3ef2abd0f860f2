# Production image of the Aventian control plane API (and CLI).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nest build api && npx nest build cli && npm prune --omit=dev

FROM node:20-bookworm-slim
# pg_dump/psql for `npm run cli -- backup|restore`
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 GRPC_PORT=50051
# Same as package.json config.serverNodeOptions: a larger young generation (fewer scavenges on the hot path).
ENV NODE_OPTIONS=--max-semi-space-size=32
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/proto ./proto
COPY --from=build /app/scripts ./scripts
USER node
EXPOSE 3000 50051
# Liveness, not readiness: a database or cache outage must not get healthy containers restarted.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/src/main.js"]
