#!/usr/bin/env bash
# Builds, from Debian's packages alone (no image registry needed), the two
# local images the container suite and the image smoke test start from:
#   letta-webhooks/test-services:bookworm  Redis 7 and PostgreSQL 15
#   letta-webhooks/node-base:20            Debian minbase + this host's Node 20 (and npm)
# Each is debootstrapped into a scratch directory and `docker import`ed; an
# image that already exists is left as it is (delete it to rebuild).
set -euo pipefail

SERVICES_IMAGE=${LW_TEST_SERVICES_IMAGE:-letta-webhooks/test-services:bookworm}
NODE_BASE_IMAGE=${LW_NODE_BASE_IMAGE:-letta-webhooks/node-base:20}
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
# The Debian mirror apt is configured with (deb822 `URIs:` or one-line `deb`).
MIRROR=${LW_DEBIAN_MIRROR:-$(
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true; } |
    grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true
)}
MIRROR=${MIRROR:-http://deb.debian.org/debian}

# Images carry the hash of this script: one made by another version of it is rebuilt.
RECIPE=$(sha256sum "$0" | cut -c1-16)
exists() {
  [ "$(docker image inspect -f '{{index .Config.Labels "letta-webhooks.recipe"}}' "$1" 2>/dev/null)" = "$RECIPE" ]
}

# debootstrap ROOTFS PACKAGES: a minbase Debian with PACKAGES, apt lists and caches dropped.
bootstrap() {
  debootstrap --variant=minbase --include="$2" "$SUITE" "$1" "$MIRROR" >"$1.log" 2>&1 || {
    tail -n 20 "$1.log" >&2
    return 1
  }
  rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin "$1"/var/cache/apt/archives/*.deb
}

build_services() {
  local root=$1
  bootstrap "$root" redis-server,postgresql-15
  # The package's default cluster is never used: tests initdb their own.
  rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main
  tar -C "$root" -c . | docker import \
    -c "LABEL letta-webhooks.recipe=$RECIPE" -c 'CMD ["/bin/bash"]' -m "debootstrap $SUITE minbase + redis-server, postgresql-15" \
    - "$SERVICES_IMAGE" >/dev/null
}

build_node_base() {
  local root=$1 node
  node=$(command -v node)
  bootstrap "$root" ca-certificates,libstdc++6
  # The host's Node 20 binary and npm, laid out as in the official image.
  install -D -m 0755 "$node" "$root/usr/local/bin/node"
  mkdir -p "$root/usr/local/lib/node_modules"
  cp -a /usr/lib/node_modules/npm "$root/usr/local/lib/node_modules/"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  # This host's trust store, and Node told to use it: the host may reach the
  # npm registry through a TLS proxy whose CA only the host's store holds.
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  # The official image's unprivileged user: node, uid and gid 1000.
  echo 'node:x:1000:' >>"$root/etc/group"
  echo 'node:x:1000:1000::/home/node:/bin/sh' >>"$root/etc/passwd"
  echo 'node:*:19000:0:99999:7:::' >>"$root/etc/shadow"
  install -d -o 1000 -g 1000 "$root/home/node"
  tar -C "$root" -c . | docker import \
    -c "LABEL letta-webhooks.recipe=$RECIPE" -c "ENV NODE_VERSION=$(node --version | tr -d v)" \
    -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' -c 'CMD ["node"]' \
    -m "debootstrap $SUITE minbase + host node $(node --version)" \
    - "$NODE_BASE_IMAGE" >/dev/null
}

scratch=$(mktemp -d /var/tmp/lw-images.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
pids=()
# Both at once: debootstrap mostly waits on the mirror.
if exists "$SERVICES_IMAGE"; then
  echo "$SERVICES_IMAGE: present (recipe $RECIPE)"
else
  echo "$SERVICES_IMAGE: building from $MIRROR ($SUITE)"
  build_services "$scratch/services" &
  pids+=($!)
fi
if exists "$NODE_BASE_IMAGE"; then
  echo "$NODE_BASE_IMAGE: present (recipe $RECIPE)"
else
  echo "$NODE_BASE_IMAGE: building from $MIRROR ($SUITE) and $(command -v node)"
  build_node_base "$scratch/node" &
  pids+=($!)
fi
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
((status == 0)) || exit 1
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E "^($SERVICES_IMAGE|$NODE_BASE_IMAGE) "
