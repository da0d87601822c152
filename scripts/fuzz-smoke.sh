#!/usr/bin/env bash
# fuzz-smoke.sh runs every fuzz target of the module for a short time
# (FUZZTIME, default 10s), to catch a parser that panics or breaks its
# invariants on inputs the seed corpora do not hold. Targets are found with
# `go test -list '^Fuzz'` per package, so new ones are included without
# editing this script. It exits non-zero if any target fails, after running
# them all.
#
# Usage: scripts/fuzz-smoke.sh [packages...]   (default ./...)
# A failing input is saved under the package's testdata/fuzz/<FuzzName>/;
# commit it with the fix so that `go test` replays it from then on.
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-10s}"
if [ "$#" -eq 0 ]; then
	set -- ./...
fi

# Listed first, so that a failing go list stops the script (a failure
# inside the for loop's word list would not) instead of running nothing.
pkgs=$(go list "$@")

failed=()
ran=0
for pkg in $pkgs; do
	# -list prints the matching names, then "ok <pkg> <time>".
	if ! listing=$(go test -run '^$' -list '^Fuzz' "$pkg"); then
		failed+=("$pkg (go test -list failed)")
		continue
	fi
	targets=$(grep -E '^Fuzz[A-Za-z0-9_]*$' <<<"$listing" || true)
	for target in $targets; do
		ran=$((ran + 1))
		echo "--- fuzz $pkg $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			failed+=("$pkg $target")
		fi
	done
done

echo "fuzz-smoke: $ran target(s) run"
if [ "$ran" -eq 0 ]; then
	echo "fuzz-smoke: no fuzz targets found in $*" >&2
	exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
	printf 'fuzz-smoke: FAILED %s\n' "${failed[@]}" >&2
	exit 1
fi
