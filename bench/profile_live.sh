#!/usr/bin/env bash
# Profile the product's live processes while bench/pipeline_latency.py drives them.
#
#   bash bench/profile_live.sh [RATE] [OUT]      # e.g. bash bench/profile_live.sh 60 /tmp/live
#   .venv/bin/python bench/profile_share.py /tmp/live/web.raw "WebhookFirst.__call__"
#
# Runs the benchmark at RATE messages/s for 25 s and, once its messages arrive, records 15 s of
# `py-spy record --gil` (only the thread holding the GIL: the processes' own Python CPU, not their waiting) on
# every gunicorn worker (web.raw), every Celery child (worker.raw) and the Celery parent (main.raw). Needs
# py-spy (`.venv/bin/pip install py-spy`) and the benchmark's PostgreSQL database crm_bench (dropped first).
set -euo pipefail
RATE=${1:-60}
OUT=${2:-/tmp/live}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYSPY="$ROOT/.venv/bin/py-spy"
mkdir -p "$OUT"
rm -f "$OUT"/*.raw
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS crm_bench" >/dev/null 2>&1 || true
(cd "$ROOT" && .venv/bin/python bench/pipeline_latency.py --rate "$RATE" --seconds 25 > "$OUT/bench.txt" 2>&1) &
bench=$!
for _ in $(seq 1 240); do
  arrived=$(psql -h 127.0.0.1 -U postgres -d crm_bench -tAc \
    "SELECT count(*) FROM whatsapp_message WHERE wamid LIKE 'wamid.PIPE%'" 2>/dev/null || echo 0)
  [ "${arrived:-0}" -gt 0 ] && break
  sleep 0.5
done
sleep 2
record() {  # pid, file
  "$PYSPY" record --gil -r 200 -d 15 -f raw -o "$2" -p "$1" >/dev/null 2>&1 &
}
web=$(pgrep -f "gunicorn crm.wsgi" || true)
workers=$(pgrep -f "celery -A crm worker" || true)
for pid in $web; do
  parent=$(ps -o ppid= -p "$pid" | tr -d ' ')
  if grep -qx "$parent" <<<"$web"; then record "$pid" "$OUT/web.$pid.raw"; fi  # workers, not the arbiter
done
for pid in $workers; do
  parent=$(ps -o ppid= -p "$pid" | tr -d ' ')
  if grep -qx "$parent" <<<"$workers"; then record "$pid" "$OUT/worker.$pid.raw"; else record "$pid" "$OUT/main.$pid.raw"; fi
done
wait "$bench" || true
sleep 1
for kind in web worker main; do cat "$OUT"/$kind.*.raw > "$OUT/$kind.raw" 2>/dev/null || true; done
grep -v "WARNING\|UserWarning\|mw_instance" "$OUT/bench.txt" | tail -8
