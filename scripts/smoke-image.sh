#!/usr/bin/env bash
# Builds the service image (Dockerfile) on the local Node base and smoke-tests
# it against Redis and Postgres in containers, all on host networking:
# `migrate`; `worker` and `api` ready on /readyz and healthy by the image's
# HEALTHCHECK, as a non-root user; examples/python/demo.py registers an
# endpoint through the API and verifies, with its own HMAC code, every
# webhook the worker delivers to it on loopback; then SIGTERM stops each
# within STOP_LIMIT_S with exit code 0. Prints what it measures.
# Needs: scripts/docker-engine.sh and scripts/test-images.sh run first.
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=${LW_IMAGE:-letta-webhooks:ci}
NODE_BASE_IMAGE=${LW_NODE_BASE_IMAGE:-letta-webhooks/node-base:20}
SERVICES_IMAGE=${LW_TEST_SERVICES_IMAGE:-letta-webhooks/test-services:bookworm}
LABEL=letta-webhooks.smoke
STOP_LIMIT_S=10
BUILD_LOG=${TMPDIR:-/tmp}/lw-image-build.log

. scripts/smoke-helpers.sh

remove_containers() { docker ps -aq --filter "label=$LABEL" | xargs -r docker rm -f >/dev/null; }
containers=()
on_exit() {
  local status=$?
  if ((status != 0)); then
    for id in "${containers[@]}"; do
      echo "--- docker logs $id (last 30 lines)" >&2
      docker logs --tail 30 "$id" >&2 2>&1 || true
    done
  fi
  remove_containers
}
trap on_exit EXIT
remove_containers # what a killed run left behind

echo "building $IMAGE on $NODE_BASE_IMAGE (log: $BUILD_LOG)"
t=$(now_ms)
# The classic builder: BuildKit needs the buildx plugin, which Debian's docker.io lacks.
if ! DOCKER_BUILDKIT=0 docker build --force-rm --network host --build-arg "NODE_IMAGE=$NODE_BASE_IMAGE" \
  -t "$IMAGE" . >"$BUILD_LOG" 2>&1; then
  tail -n 40 "$BUILD_LOG" >&2
  exit 1
fi
# Untagged leftovers of earlier builds (each CI run builds afresh).
docker image prune -f >/dev/null
echo "built in $((($(now_ms) - t) / 1000)) s; image size $(($(docker image inspect -f '{{.Size}}' "$IMAGE") / 1000000)) MB (base $(($(docker image inspect -f '{{.Size}}' "$NODE_BASE_IMAGE") / 1000000)) MB)"
user=$(docker image inspect -f '{{.Config.User}}' "$IMAGE")
[ -n "$user" ] && [ "$user" != root ] && [ "$user" != 0 ] || {
  echo "the image runs as root" >&2
  exit 1
}

redis_port=$(free_port) pg_port=$(free_port) admin_port=$(free_port) api_port=$(free_port)
# Health checked every second instead of 15 s, so "healthy" shows quickly.
run() { docker run -d --label "$LABEL" --network host --health-interval 1s "$@"; }
containers+=("$(run "$SERVICES_IMAGE" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no)")
containers+=("$(run "$SERVICES_IMAGE" su postgres -c "/usr/lib/postgresql/15/bin/initdb -D /tmp/pgdata -A trust -U postgres >/dev/null && exec /usr/lib/postgresql/15/bin/postgres -D /tmp/pgdata -p $pg_port -k /tmp -c listen_addresses=127.0.0.1")")
wait_until 30 "redis in a container" redis-cli -h 127.0.0.1 -p "$redis_port" ping
wait_until 30 "postgres in a container" pg_isready -h 127.0.0.1 -p "$pg_port"

app=(
  -e "DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/postgres"
  -e "REDIS_URL=redis://127.0.0.1:$redis_port"
  -e "WEBHOOK_SECRET_ENCRYPTION_KEYS=k1:$(openssl rand -base64 32)"
  # The Python receiver is on loopback, which the URL guard refuses by default.
  -e WEBHOOK_ALLOWED_CIDRS=127.0.0.0/8
  -e WEBHOOK_ADMIN_HOST=127.0.0.1 -e "WEBHOOK_ADMIN_PORT=$admin_port"
  -e WEBHOOK_API_HOST=127.0.0.1 -e "WEBHOOK_API_PORT=$api_port"
  -e LOG_LEVEL=warn
)
docker run --rm --network host "${app[@]}" "$IMAGE" migrate >/dev/null
echo "migrate: ok"

t=$(now_ms)
worker=$(run "${app[@]}" "$IMAGE" worker)
containers+=("$worker")
wait_until 30 "the worker's /readyz" ready "$admin_port"
echo "worker ready (/readyz 200) $(($(now_ms) - t)) ms after docker run"
t=$(now_ms)
api=$(run "${app[@]}" "$IMAGE" api)
containers+=("$api")
wait_until 30 "the API's /readyz" ready "$api_port"
echo "api ready (/readyz 200) $(($(now_ms) - t)) ms after docker run"
wait_until 30 "HEALTHCHECK: worker healthy" healthy "$worker"
wait_until 30 "HEALTHCHECK: api healthy" healthy "$api"
echo "HEALTHCHECK: worker and api healthy; running as uid $(docker exec "$worker" id -u) ($user)"

key=$(docker run --rm --network host "${app[@]}" "$IMAGE" api-keys create --org org-smoke --json |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["key"])')
summary=$(cd examples/python && LETTA_WEBHOOKS_URL="http://127.0.0.1:$api_port" LETTA_WEBHOOKS_API_KEY="$key" \
  PYTHONDONTWRITEBYTECODE=1 python3 demo.py)
echo "examples/python/demo.py through the containers: $summary"
python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["published"] == s["received_verified"] == s["deliveries_succeeded"] == 8, s
assert s["mismatched"] == [], s' "$summary"

for name in worker api; do
  id=${!name}
  t=$(now_ms)
  docker kill -s TERM "$id" >/dev/null
  code=$(docker wait "$id")
  ms=$(($(now_ms) - t))
  echo "$name: SIGTERM → exited $code in $ms ms"
  if [ "$code" != 0 ] || ((ms > STOP_LIMIT_S * 1000)); then
    echo "$name did not stop cleanly within $STOP_LIMIT_S s" >&2
    exit 1
  fi
done
echo "image smoke test: passed"
