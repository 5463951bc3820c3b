#!/usr/bin/env bash
# compose.yaml as far as a host without an image registry allows
# (docs/containers.md): validated as written, then brought up with
# .ci/compose.host.yaml on top (host networking, local images), the worker
# and the API ready and healthy, stopped by SIGTERM, and removed.
# Needs: docker-compose (Debian's 1.29), and the images of test-images.sh
# and smoke-image.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

export LW_IMAGE=${LW_IMAGE:-letta-webhooks:ci}
export LW_TEST_SERVICES_IMAGE=${LW_TEST_SERVICES_IMAGE:-letta-webhooks/test-services:bookworm}
PROJECT=lw-compose-ci

. scripts/smoke-helpers.sh

docker-compose -f compose.yaml config -q
echo "compose.yaml: valid (docker-compose $(docker-compose version --short))"

export LW_REDIS_PORT=$(free_port) LW_PG_PORT=$(free_port) LW_ADMIN_PORT=$(free_port) LW_API_PORT=$(free_port)
compose=(docker-compose -p "$PROJECT" -f compose.yaml -f .ci/compose.host.yaml)
on_exit() {
  local status=$?
  ((status == 0)) || "${compose[@]}" logs --tail 30 >&2 || true
  "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  docker ps -aq --filter "label=com.docker.compose.project=$PROJECT" | xargs -r docker rm -f >/dev/null
}
trap on_exit EXIT
on_exit # a killed run's leftovers

t=$(now_ms)
# One worker: on host networking a second would want the same admin port.
"${compose[@]}" up -d --no-build --scale worker=1 worker 2>&1 | grep -v -e '^Creating' -e '^Starting' || true
# The API by `run`, which leaves out its published port: docker-compose 1.29
# refuses `ports` with host networking and cannot drop them in an override.
api=$("${compose[@]}" run -d --no-deps api 2>/dev/null | tail -n 1)
wait_until 60 "the worker's /readyz" ready "$LW_ADMIN_PORT"
wait_until 60 "the API's /readyz" ready "$LW_API_PORT"
echo "compose up: migrate done, worker and api ready in $((($(now_ms) - t) / 1000)) s"
migrate=$("${compose[@]}" ps -q migrate)
[ "$(docker inspect -f '{{.State.ExitCode}}' "$migrate")" = 0 ]
worker=$("${compose[@]}" ps -q worker)
wait_until 60 "worker healthy" healthy "$worker"
wait_until 60 "api healthy" healthy "$api"
echo "compose: migrate exited 0; worker and api healthy"
t=$(now_ms)
"${compose[@]}" stop -t 30 worker 2>/dev/null
docker stop -t 30 "$api" >/dev/null
for id in "$worker" "$api"; do
  code=$(docker inspect -f '{{.State.ExitCode}}' "$id")
  [ "$code" = 0 ] || {
    echo "a service exited $code on stop" >&2
    exit 1
  }
done
echo "compose stop (SIGTERM): worker and api exited 0 in $((($(now_ms) - t))) ms"
echo "compose smoke test: passed"
