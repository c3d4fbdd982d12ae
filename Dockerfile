# One image for every service; docker-compose.yml picks the service with `command`.
FROM node:20-bookworm

WORKDIR /app
# the workspace's package.json files first, so the install layer is reused when only code changes
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY issuer/package.json issuer/
COPY verifier/package.json verifier/
COPY wallet-sim/package.json wallet-sim/
COPY trust-registry/package.json trust-registry/
COPY scenarios/package.json scenarios/
# what `npm run setup` does for the services (its browser and PostgreSQL server are for the test suite);
# the bookworm image has the C++ toolchain better-sqlite3 compiles with
RUN npm run setup:services
COPY . .

RUN mkdir -p /data && chown node:node /data
USER node
ENV INTEROP_HOST=0.0.0.0 \
    INTEROP_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 4100 4200 4300 4400

# `docker run --rm <image>`: both pilots in one process, then exit (non-zero on a failure);
# docker-compose.yml runs one service per container instead
CMD ["node", "--import", "tsx", "scenarios/main.ts", "--once", "--data-dir", "/data", "--reports-dir", "/data/reports"]
