#!/usr/bin/env bash
# Provokes every exit code of toast (docs/cli.md) with the real binaries, as a script would see them.
# Needs TOAST, TOASTED and MODEL (paths); prints one line per code and exits non-zero on the first
# surprise. stdout of toast must carry model text only: empty whenever it fails.
set -uo pipefail
# Job control: without it bash starts background commands with SIGINT ignored, as no terminal could send it.
set -m
: "${TOAST:?}" "${TOASTED:?}" "${MODEL:?}"
work=$(mktemp -d)
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# expect CODE NAME -- toast arguments…: runs toast with stdin from /dev/null, checks the code and,
# for a failure, that stdout is empty and stderr says something.
expect() {
  local code=$1 name=$2; shift 3
  "$TOAST" "$@" </dev/null >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$code" ] || fail "$name: exit $got, expected $code; stderr: $(cat "$work/err")"
  if [ "$code" -ne 0 ]; then
    [ -s "$work/out" ] && fail "$name: stdout is not empty: $(cat "$work/out")"
    [ -s "$work/err" ] || fail "$name: nothing on stderr"
  fi
  echo "exit $code ($name): ok — $(head -c 160 "$work/err" | tr '\n' ' ')"
}

export TOASTED_SOCKET="$work/run/toasted.sock"
"$TOASTED" --model "$MODEL" --context 4096 --threads 1 --queue 1 >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 1 600); do [ -S "$TOASTED_SOCKET" ] && break; sleep 0.05; done
[ -S "$TOASTED_SOCKET" ] || fail "toasted did not start: $(cat "$work/daemon.log")"

# 0: the answer, and nothing but the answer, on stdout.
expect 0 ok -- --raw -t 0 -n 8 "Once upon a time"
[ -s "$work/out" ] || fail "ok: no text on stdout"
[ -s "$work/err" ] && fail "ok: stderr is not empty: $(cat "$work/err")"
"$TOAST" --raw -t 0 -n 8 --json "Once upon a time" </dev/null >"$work/json"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["text"]; sys.exit(0 if t==open(sys.argv[2]).read() else 1)' "$work/json" "$work/out" \
  || fail "ok: stdout is not exactly the generated text"

expect 2 usage -- --no-such-flag
expect 2 usage-value -- -n many "x"
expect 3 "daemon unavailable" -- --socket "$work/nobody.sock" "x"
expect 5 "context overflow" -- --raw -n 5000 "Once upon a time"
grep -q "prompt_tokens=" "$work/err" && grep -q "requested_tokens=5000" "$work/err" && grep -q "context_length=4096" "$work/err" \
  || fail "context overflow: the numbers are missing from stderr"
expect 6 "model error" -- -m no-such-model.gguf --raw -n 4 "Once"

# A prompt of some 3,200 tokens: its prefill holds the slot for seconds on the small test model.
for _ in $(seq 1 140); do echo "Once upon a time there was a little cat who liked to play in the sun."; done >"$work/long.txt"
# started N: waits until the daemon has started its Nth generation.
started() {
  for _ in $(seq 1 1000); do [ "$(grep -c "generating:" "$work/daemon.log")" -ge "$1" ] && return 0; sleep 0.02; done
  fail "generation $1 did not start: $(tail -n 5 "$work/daemon.log")"
}
generations=$(grep -c "generating:" "$work/daemon.log")

# 4: one generation holds the slot, one waits (queue of 1), the third is refused at once.
"$TOAST" --raw -t 0 -n 4 "First." "$work/long.txt" </dev/null >"$work/long.out" 2>"$work/long.err" &
long_pid=$!
started $((generations + 1))
"$TOAST" --raw -t 0 -n 4 "Once upon a time" </dev/null >"$work/waiting.out" 2>"$work/waiting.err" &
waiting_pid=$!
for _ in $(seq 1 100); do grep -q "queued at position 1" "$work/daemon.log" && break; sleep 0.02; done
expect 4 "queue full" -- --raw -n 4 "Once"

# 130: SIGINT cancels the running request, here in the middle of its prefill; the waiting one is then served.
kill -INT "$long_pid"
wait "$long_pid"; got=$?
[ "$got" -eq 130 ] || fail "SIGINT: exit $got, expected 130: $(cat "$work/long.err")"
[ -s "$work/long.out" ] && fail "SIGINT: stdout is not empty"
echo "exit 130 (interrupted): ok"
wait "$waiting_pid"; got=$?
[ "$got" -eq 0 ] || fail "the waiting request: exit $got: $(cat "$work/waiting.err")"
generations=$(grep -c "generating:" "$work/daemon.log")

# 143: SIGTERM, the same.
"$TOAST" --raw -t 0 -n 4 "Second." "$work/long.txt" </dev/null >"$work/term.out" 2>"$work/term.err" &
term_pid=$!
started $((generations + 1))
kill -TERM "$term_pid"
wait "$term_pid"; got=$?
[ "$got" -eq 143 ] || fail "SIGTERM: exit $got, expected 143: $(cat "$work/term.err")"
echo "exit 143 (terminated): ok"
generations=$(grep -c "generating:" "$work/daemon.log")

# 141: the reader of stdout went away.
"$TOAST" --raw -t 0 -n 200 "Once upon a time" </dev/null 2>/dev/null | head -c 1 >/dev/null
got=${PIPESTATUS[0]}
[ "$got" -eq 141 ] || fail "closed stdout: exit $got, expected 141"
echo "exit 141 (stdout closed): ok"

# 1: a daemon fault. A healthy toasted never sends `internal` on purpose, so a stand-in daemon does.
fake="$work/fake.sock"
python3 - "$fake" <<'PY' &
import socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen(1)
client, _ = server.accept()
client.recv(1 << 20)
client.sendall(b'{"id":"x","type":"error","code":"internal","message":"a fault in the daemon"}\n')
client.close()
PY
fake_pid=$!
for _ in $(seq 1 200); do [ -S "$fake" ] && break; sleep 0.02; done
expect 1 internal -- --socket "$fake" --raw -n 4 "Once"
wait "$fake_pid"

# 3 again: the daemon goes away mid-request (it ends the request with `cancelled` as it stops).
generations=$(grep -c "generating:" "$work/daemon.log")
"$TOAST" --raw -t 0 -n 4 "Third." "$work/long.txt" </dev/null >"$work/gone.out" 2>"$work/gone.err" &
gone_pid=$!
started $((generations + 1))
kill -TERM "$daemon_pid"; wait "$daemon_pid"; daemon_pid=""
wait "$gone_pid"; got=$?
[ "$got" -eq 3 ] || fail "daemon stopped: exit $got, expected 3: $(cat "$work/gone.err")"
echo "exit 3 (daemon stopped mid-request): ok — $(head -c 160 "$work/gone.err")"
echo "all exit codes as documented"
