#!/usr/bin/env bash
# fuzz-smoke.sh runs every fuzz target of the module for a short budget
# (FUZZTIME, default 100000x: a count of executions, about 5 s a target on
# a 2-core machine), to catch a parser that panics or breaks its invariants
# on inputs the seed corpora do not hold. Targets are found with
# `go test -list '^Fuzz'` per package, so new ones are included without
# editing this script. It exits non-zero if any target fails, after running
# them all.
#
# Why a count and not a duration: with a duration, Go's fuzz coordinator
# (go1.26 and older) can report a bare "context deadline exceeded" failure
# when the deadline fires while a worker is mid-call, with no failing input
# (go.dev/issue/75804, fixed in go1.27). A count has no deadline to race. A
# duration still works (FUZZTIME=60s); a run that fails that way, with no
# failing input written, is run once more instead of failing the script.
#
# Usage: scripts/fuzz-smoke.sh [packages...]   (default ./...)
# A failing input is saved under the package's testdata/fuzz/<FuzzName>/;
# commit it with the fix so that `go test` replays it from then on.
set -euo pipefail

cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-100000x}"
if [ "$#" -eq 0 ]; then
	set -- ./...
fi

# Listed first, so that a failing go list stops the script (a failure
# inside the for loop's word list would not) instead of running nothing.
pkgs=$(go list "$@")
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# fuzz_once runs one target, echoing its output, and returns go test's status.
fuzz_once() {
	go test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" "$1" 2>&1 | tee "$log"
	return "${PIPESTATUS[0]}"
}

# deadline_race says whether the last run failed only through the
# coordinator's deadline race: that message, and no input written.
deadline_race() {
	grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written to' "$log"
}

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
		if fuzz_once "$pkg" "$target"; then
			continue
		fi
		if deadline_race; then
			echo "--- fuzz $pkg $target: the coordinator's deadline race (go.dev/issue/75804), no failing input; once more"
			fuzz_once "$pkg" "$target" && continue
		fi
		failed+=("$pkg $target")
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
