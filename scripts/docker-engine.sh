#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io (and
# debootstrap for test-images.sh, docker-compose for compose-smoke.sh) when
# missing, and starts dockerd when `docker info` fails. Idempotent: a running
# engine is left alone.
#
# The engine runs without a bridge or iptables rules (`--bridge=none
# --iptables=false`): every container of ours uses host networking, so no
# traffic leaves loopback and the host's firewall is never touched.
set -euo pipefail

LOG=${LW_DOCKERD_LOG:-/var/log/lw-dockerd.log}

missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if ((${#missing[@]} > 0)); then
  echo "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if docker info >/dev/null 2>&1; then
  echo "docker engine already running"
else
  echo "starting dockerd (log: $LOG)"
  (
    # Close every inherited descriptor above 2 first: a daemon that keeps,
    # say, a caller's flock descriptor open holds that lock for as long as it
    # runs and wedges everyone waiting on it.
    for fd in /proc/"$BASHPID"/fd/*; do
      n=${fd##*/}
      if ((n > 2)); then eval "exec $n>&-" 2>/dev/null || true; fi
    done
    cd /
    exec setsid dockerd --bridge=none --iptables=false </dev/null >>"$LOG" 2>&1
  ) &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "dockerd did not answer within 60 s; the end of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
fi
docker version --format 'engine {{.Server.Version}}, client {{.Client.Version}}'
