# Production image for the API and the worker (same image, ROLE selects what runs).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# npm ci's postinstall applies patches/ and runs scripts/install-tools.mjs.
COPY patches ./patches
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY emulators ./emulators
COPY console ./console
RUN npm run build && node dist/scripts/bundle-workflows.js dist/workflow-bundle.js && npm run console:build \
    && npm prune --omit=dev

FROM node:20-bookworm-slim
# Two malloc arenas instead of glibc's eight per core: the worker's native threads (Temporal's core, libuv)
# otherwise each grow their own; measured at month-end, 40 MB less RSS at the same throughput.
ENV NODE_ENV=production \
    WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The console, served by the API at /console (CONSOLE_DIR defaults to ./console/dist).
COPY --from=build /app/console/dist ./console/dist
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
