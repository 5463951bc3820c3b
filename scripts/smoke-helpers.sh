# Sourced by smoke-image.sh and compose-smoke.sh.

now_ms() { date +%s%3N; }

# A free TCP port on loopback.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_until SECONDS DESCRIPTION COMMAND…: runs COMMAND every 0.1 s until it succeeds.
wait_until() {
  local limit=$(($(now_ms) + $1 * 1000)) what=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    if (($(now_ms) > limit)); then
      echo "timed out waiting for $what" >&2
      return 1
    fi
    sleep 0.1
  done
}

# ready PORT: /readyz on loopback PORT answers 200.
ready() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/readyz")" = 200 ]; }

# healthy CONTAINER: Docker's HEALTHCHECK says so.
healthy() { [ "$(docker inspect -f '{{.State.Health.Status}}' "$1")" = healthy ]; }
