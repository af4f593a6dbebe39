# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript and the libxmljs2 addon with the toolchain, ship only what runs.
FROM node:20-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# `npm ci`: exactly the committed lock, never re-resolved. The dev dependencies compile the TypeScript, then go.
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=4000 MODELS_DIR=/app/models DATA_DIR=/app/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schema ./schema
# Each shipped version: the served artefacts and the golden data the promotion gate and registerModel read. Named
# one by one so versions registered into a developer's models/ never end up in an image; test/unit/dockerfile.test.ts
# fails if a committed version is missing here or a source is not in the build context.
COPY models/ecg-rhythm/1/manifest.json models/ecg-rhythm/1/model.onnx ./models/ecg-rhythm/1/
COPY models/ecg-rhythm/1/heldout/inputs.npy models/ecg-rhythm/1/heldout/expected_outputs.npy ./models/ecg-rhythm/1/heldout/
COPY models/ecg-rhythm-large/1/manifest.json models/ecg-rhythm-large/1/model.onnx ./models/ecg-rhythm-large/1/
COPY models/ecg-rhythm-large/1/heldout/inputs.npy models/ecg-rhythm-large/1/heldout/expected_outputs.npy ./models/ecg-rhythm-large/1/heldout/
COPY models/tweet-sentiment/1/manifest.json models/tweet-sentiment/1/model.onnx models/tweet-sentiment/1/vocab.json ./models/tweet-sentiment/1/
COPY models/tweet-sentiment/1/heldout/inputs.npy models/tweet-sentiment/1/heldout/expected_outputs.npy ./models/tweet-sentiment/1/heldout/
COPY models/digits/1/manifest.json models/digits/1/model.onnx ./models/digits/1/
COPY models/digits/1/heldout/inputs.npy models/digits/1/heldout/expected_outputs.npy ./models/digits/1/heldout/
# The registry state (users, API keys, aliases, audit trail) and registered model versions: mount volumes to keep them.
RUN mkdir -p /app/data && chown -R node:node /app/data /app/models
VOLUME ["/app/data", "/app/models"]
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:4000/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# `node` directly (not npm) so SIGTERM reaches the gateway and in-flight requests drain.
CMD ["node", "-r", "./dist/telemetry/register.js", "dist/main.js"]
