# One image for the API and the worker (the command picks the role). Packages ship TypeScript
# source run by tsx (ADR 0001), so the image carries node_modules and the source, no build output
# except the web console's static files.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/core/package.json packages/core/
COPY packages/contracts/package.json packages/contracts/
COPY packages/db/package.json packages/db/
COPY packages/platform/package.json packages/platform/
COPY packages/sdk/package.json packages/sdk/
COPY infra/aws/package.json infra/aws/
RUN npm ci --no-audit --no-fund

# Runtime dependencies only: the build tools, test tools and the CDK app stay out of the image.
FROM deps AS runtime-deps
RUN npm prune --omit=dev --no-audit --no-fund

FROM deps AS web
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/apps/web/dist ./apps/web/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--import", "tsx", "--import", "./apps/api/src/instrument.ts", "apps/api/src/main.ts"]
