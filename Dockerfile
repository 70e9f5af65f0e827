# A minimal image of reusebench for `reusebench k8s` Jobs: a static binary
# (no cgo) on an empty base, with the CA certificates for https targets.
#   docker build -t reusebench:v1 .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/reusebench .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/reusebench /reusebench
USER 65532:65532
EXPOSE 7070
ENTRYPOINT ["/reusebench"]
