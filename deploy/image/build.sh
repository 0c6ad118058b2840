#!/usr/bin/env bash
# Build Driveway's image without downloading a base image: compile the
# static binary here, then assemble a FROM scratch image from it, the host's
# CA bundle and a passwd file naming the non-root user. Go's embedded
# time-zone database (-tags timetzdata) stands in for /usr/share/zoneinfo.
# The result matches the Dockerfile's final stage. `make image` runs this.
#
#   IMAGE=driveway:latest CONTAINER=podman deploy/image/build.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

image=${IMAGE:-driveway:latest}
runtime=${CONTAINER:-podman}
cabundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
revision=$(git rev-parse HEAD 2>/dev/null || true)

if [ ! -s "$cabundle" ]; then
  echo "image: no CA bundle at $cabundle (install ca-certificates or set CA_BUNDLE)" >&2
  exit 1
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
CGO_ENABLED=0 go build -trimpath -tags timetzdata \
  -ldflags "-s -w -X main.version=$version -X main.revision=$revision" \
  -o "$ctx/driveway" ./cmd/driveway
cp "$cabundle" "$ctx/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$ctx/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$ctx/group"
mkdir -p "$ctx/data" "$ctx/tmp"
chmod 1777 "$ctx/tmp"
cp deploy/image/Containerfile "$ctx/Containerfile"

if [ "$runtime" = podman ]; then
  export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/deploy/podman/containers.conf}
  # docker format: the OCI format has no HEALTHCHECK.
  podman build --format docker -t "$image" "$ctx"
else
  "$runtime" build -t "$image" "$ctx"
fi
echo "image: built $image ($version)"
