# Driveway's container image: one static binary on a distroless base (CA
# certificates, time zones, a non-root user, no shell). Build it with
#
#   docker build -t driveway --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg REVISION=$(git rev-parse HEAD) .
#
# `make image` builds the same image without downloading a base image
# (deploy/image/build.sh). How to run it: docs/operations.md.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=
# CGO off: modernc.org/sqlite is pure Go. timetzdata embeds the time-zone
# database in the binary, so it does not depend on the base image's.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION} -X main.revision=${REVISION}" \
      -o /out/driveway ./cmd/driveway \
 && mkdir -p /out/data

# distroless/static: CA certificates, /usr/share/zoneinfo, /etc/passwd with
# the user "nonroot" (65532), and nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/driveway /driveway
COPY --from=build --chown=65532:65532 /out/data /data
ENV DRIVEWAY_ADDR=0.0.0.0:8080 DRIVEWAY_DATA_DIR=/data
USER 65532:65532
VOLUME /data
EXPOSE 8080
# No shell in the image: the binary checks its own /healthz on loopback.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 CMD ["/driveway", "healthcheck"]
ENTRYPOINT ["/driveway"]
CMD ["serve"]
