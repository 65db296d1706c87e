#!/usr/bin/env bash
# make fuzz: run each fuzz target of fuzz/ for FUZZ_SECONDS (default 30),
# seeded from tests/fixtures and the bad-input corpus, and print per target
# the executions and the crashes found (saved under fuzz/artifacts/TARGET/).
# FUZZ_TARGETS="query_parse ipdb" runs only those.
#
# Needs a nightly toolchain and cargo-fuzz (libFuzzer's coverage flags are
# nightly-only); both are installed when missing. The core has no `unsafe`,
# so targets build without a sanitizer (-s none) but with debug assertions
# (-a), which turn integer overflows into crashes.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-30}
TARGETS=${FUZZ_TARGETS:-"ingest_whole ingest_pieces query_parse case_import bundle_open tenant_json tenant_zip ipdb"}

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

F=tests/fixtures
B=$F/bad
SEEDS=fuzz/seeds
rm -rf "$SEEDS"
mkdir -p "$SEEDS"

seed() { # seed TARGET FILE...
  local target=$1; shift
  mkdir -p "$SEEDS/$target"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$SEEDS/$target/$(echo "$f" | tr '/' '_')"; done
  return 0
}

evidence=$( (ls $F/*.csv $F/*.json $F/*.ndjson; find $F/extractor_suite -type f) 2>/dev/null | grep -v ingest_digests.json || true)
bad_evidence=$(ls $B/* | grep -v -E '/(ipdb|tenant|case|bundle|query)_' || true)
seed ingest_whole $evidence $bad_evidence
# ingest_pieces reads its first byte as the piece and slice size.
mkdir -p "$SEEDS/ingest_pieces"
for f in $evidence $bad_evidence; do
  { printf '\x47'; cat "$f"; } > "$SEEDS/ingest_pieces/$(echo "$f" | tr '/' '_')"
done
seed query_parse $B/query_*
i=0
for q in 'user:alice@contoso.com op:New-InboxRule' '-ip:203.0.113.7 after:2026-03-01T10:00Z' 'time:2026-03-01T10:00Z..2026-03-01T12:00Z source:signin' '"password spray" outcome:failure ioc bookmarked' 'user:"a b" -op:Send,Receive'; do
  i=$((i+1)); printf '%s' "$q" > "$SEEDS/query_parse/q$i"
done
seed case_import $B/case_*
seed bundle_open $B/bundle_*
seed tenant_json $(find $F/tenant -type f) $(ls $B/tenant_*.json)
seed tenant_zip $(ls $B/tenant_*.zip $B/bin_zip_*.zip)
seed ipdb $F/ipdb_* $B/ipdb_*
python3 - "$SEEDS" <<'PY'
# A valid case document, a valid bundle and a tenant zip of several files, as seeds.
import hashlib, io, json, os, sys, zipfile
seeds = sys.argv[1]
case = json.dumps({"kind": "loupe-case", "version": 2, "case": {"name": "IR-1", "notes": "seed"}})
open(os.path.join(seeds, "case_import", "valid_case.json"), "w").write(case)
evidence = open("tests/fixtures/ual_search_export.csv", "rb").read()
manifest = {"kind": "loupe-bundle", "version": 1, "note": "", "files": [{"entry": "evidence/001-ual.csv", "name": "ual.csv", "sha256": "00", "stored_sha256": hashlib.sha256(evidence).hexdigest()}]}
def zipped(path, files):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            z.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
zipped(os.path.join(seeds, "bundle_open", "valid_bundle.zip"), [("bundle.json", json.dumps(manifest)), ("case.json", case), ("evidence/001-ual.csv", evidence)])
tenant = [(f, open(os.path.join("tests/fixtures/tenant/baseline", f), "rb").read()) for f in sorted(os.listdir("tests/fixtures/tenant/baseline"))[:4]]
zipped(os.path.join(seeds, "tenant_zip", "baseline_4_files.zip"), tenant)
PY

mkdir -p fuzz/logs
summary=()
for target in $TARGETS; do
  mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
  log=fuzz/logs/$target.log
  echo "== $target: ${SECONDS_EACH}s"
  # libFuzzer exits non-zero on a crash; the summary below reports it.
  (cd fuzz && cargo +nightly fuzz run -s none -a "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$SECONDS_EACH" -max_len=65536 -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="artifacts/$target/") >"$log" 2>&1 || true
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  crashes=$(ls "fuzz/artifacts/$target" | wc -l)
  summary+=("$target: ${runs:-?} executions, $crashes crash files in fuzz/artifacts/$target")
done
echo
printf '%s\n' "${summary[@]}"
