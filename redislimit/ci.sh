#!/usr/bin/env bash
# Checks of the redislimit module, for .ci/run to call. `go test ./...` at
# the repository root does not descend into this nested module, so it needs
# its own run. The tests start their own redis-server; under CI (CI set)
# they fail rather than skip when it is missing, so install it first.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
	echo "redislimit/ci.sh: redis-server not found; installing it with apt-get"
	sudo=""
	if [ "$(id -u)" -ne 0 ]; then
		sudo="sudo"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -q
	$sudo apt-get install -y -q --no-install-recommends redis-server
fi

# Until the root module has a release, go.mod requires it at a placeholder
# version that only the replace of this checkout can build; users outside
# the repository cannot. Warn rather than fail: no tag exists to require
# yet. README.md, "Versions and releases", says what a release must do.
root=github.com/bubblehouse-go/bubblehouse
placeholder=v0.0.0-00010101000000-000000000000
if [ "$(go list -m -f '{{.Version}}' "$root")" = "$placeholder" ]; then
	echo "redislimit/ci.sh: WARNING: go.mod requires $root $placeholder, a placeholder:" \
		"redislimit builds here only through its replace, not for users outside this repository." \
		"A release must tag the root module and require that tag (redislimit/README.md, \"Versions and releases\")." >&2
fi

go vet ./...
# One package at a time (-p 1): the module's package and its example each
# run timed rate checks against their own redis-server, and on a small CI
# machine each would otherwise slow the other down.
go test -race -count=1 -p 1 ./...
# Every benchmark once, so that they never rot (figures: BENCHMARKS.md).
go test -run '^$' -bench . -benchtime=1x ./...
