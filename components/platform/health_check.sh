#!/bin/bash
# ailz node health check: runs on one idle GPU node, judges it, records the result on the node.
# Inputs (environment): NODE_NAME, GPUS, TESTS_DIR, NVLINK_LINE (GB/s), MIN_BYTES, MAX_BYTES,
# LOOPBACK (1: also through the NICs), RDMA_DEVICES (expected active RDMA ports, 0: none),
# RDMA_NAMES (devices that must each have an ACTIVE port, when the spec names them),
# DCGM_LEVEL; /results/dcgm.rc from the DCGM init container; transitions.txt beside this script.
# Tests override AILZ_API, AILZ_TOKEN_FILE, AILZ_CA_FILE, AILZ_SYSFS and AILZ_RESULTS.
set -u
here="$(dirname "$0")"
api="${AILZ_API:-https://${KUBERNETES_SERVICE_HOST:-}:${KUBERNETES_SERVICE_PORT:-443}}"
token_file="${AILZ_TOKEN_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/token}"
ca_file="${AILZ_CA_FILE:-/var/run/secrets/kubernetes.io/serviceaccount/ca.crt}"
sysfs="${AILZ_SYSFS:-/sys}"
results="${AILZ_RESULTS:-/results}"
reasons=()
untested=()
busbw=""

call() {  # METHOD PATH [CONTENT-TYPE BODY]
  # not curl's User-Agent: the API server pretty-prints JSON for curl, and the fields are read by pattern
  local args=(-sS --fail-with-body -A ailz-health/1 -X "$1" -H "Authorization: Bearer $(cat "$token_file")")
  [ -f "$ca_file" ] && args+=(--cacert "$ca_file")
  [ $# -ge 4 ] && args+=(-H "Content-Type: $3" --data-binary "$4")
  curl "${args[@]}" "$api$2"
}

# worst busbw of the rows at or above MIN_BYTES, out-of-place and in-place; "wrong" if any #wrong
worst_busbw() {
  awk -v min="$MIN_BYTES" '
    $1 ~ /^[0-9]+$/ && NF >= 13 && $1 >= min {
      for (i = 8; i <= 12; i += 4) { if (worst == "" || $i + 0 < worst) worst = $i + 0 }
      if ($9 != "0" && $9 != "N/A" || $13 != "0" && $13 != "N/A") wrong = 1
    }
    END { if (wrong) print "wrong"; else if (worst == "") print "none"; else print worst }'
}

run_nccl() {  # NAME [ENV...]: all GPUs of the node in one process (-g), no MPI, no ssh
  local name="$1" out rc worst
  shift
  # the fabric's library paths and NCCL environment only for the test, never for curl and friends
  # shellcheck source=/dev/null
  out="$([ -f "$here/setup.sh" ] && . "$here/setup.sh"; env "$@" "$TESTS_DIR/all_reduce_perf" -b "$MIN_BYTES" -e "$MAX_BYTES" -f 2 -g "$GPUS" \
    -n 20 -w 5 -c 1 2>&1)"
  rc=$?
  worst="$(printf '%s\n' "$out" | worst_busbw)"
  echo "$name: exit $rc, worst busbw $worst"
  # the tools missing or not loading is the image's problem, not the node's: not tested
  if [ "$rc" -eq 126 ] || [ "$rc" -eq 127 ] || printf '%s' "$out" | grep -q "error while loading shared libraries"; then
    untested+=("$name: all_reduce_perf could not start ($rc)")
    return
  fi
  if [ "$rc" -ne 0 ]; then reasons+=("$name: all_reduce_perf exited $rc"); return; fi
  case "$worst" in
    wrong) reasons+=("$name: wrong results") ;;
    none) reasons+=("$name: no result rows") ;;
  esac
  if [ "$name" = nvlink ] && [ "$worst" != wrong ] && [ "$worst" != none ]; then
    busbw="$worst"
    if awk -v w="$worst" -v line="$NVLINK_LINE" 'BEGIN { exit !(w < line) }'; then
      reasons+=("nvlink: worst busbw $worst GB/s below $NVLINK_LINE GB/s")
    fi
  fi
}

# 1. DCGM diagnostics (the init container ran them and left its exit code)
dcgm_rc="$(cat "$results/dcgm.rc" 2>/dev/null || echo missing)"
case "$dcgm_rc" in
  0) ;;
  missing | setup) untested+=("dcgm: the diagnostics did not run ($dcgm_rc)") ;;
  *) reasons+=("dcgm: dcgmi diag -r $DCGM_LEVEL exit $dcgm_rc") ;;
esac

# 2. NVLink: single-node all_reduce against the catalog's figure
run_nccl nvlink

# 3. every rail: the same with P2P and shared memory off, so each hop goes through the NICs
if [ "${LOOPBACK:-0}" = 1 ]; then run_nccl loopback NCCL_P2P_DISABLE=1 NCCL_SHM_DISABLE=1; fi

# 4. RDMA ports up (InfiniBand/RoCE/EFA devices in sysfs)
if [ -n "${RDMA_NAMES:-}" ]; then
  for device in $RDMA_NAMES; do
    if ! grep -qs ACTIVE "$sysfs"/class/infiniband/"$device"/ports/*/state; then
      reasons+=("rdma: $device has no ACTIVE port")
    fi
  done
elif [ "${RDMA_DEVICES:-0}" -gt 0 ]; then
  active=0
  for state in "$sysfs"/class/infiniband/*/ports/*/state; do
    [ -f "$state" ] && grep -q ACTIVE "$state" && active=$((active + 1))
  done
  if [ "$active" -lt "$RDMA_DEVICES" ]; then
    reasons+=("rdma: $active of $RDMA_DEVICES ports ACTIVE")
  fi
fi

join() { local out="" item; for item in "$@"; do out="${out:+$out; }$item"; done; printf '%s' "$out"; }
result=P
reason="all checks passed"
if [ "${#reasons[@]}" -gt 0 ]; then
  result=F
  reason="$(join "${reasons[@]}")"
elif [ "${#untested[@]}" -gt 0 ]; then
  result=U  # no result: the node's state stays as it is, only the reason is recorded
  reason="not tested: $(join "${untested[@]}")"
fi
echo "result $result: $reason"

# record: the next state comes from the contract's table (components/common/health.py). A patch
# that lost a race with another writer (resourceVersion changed) is retried on a fresh read.
record() {
node_json="$(call GET "/api/v1/nodes/$NODE_NAME")" || { echo "cannot read node $NODE_NAME" >&2; return 2; }
node_json="$(printf '%s' "$node_json" | tr -d '\n')"
field() {  # the first "KEY": "VALUE" of the node, whatever the spacing
  printf '%s' "$node_json" | grep -o "\"$1\": *\"[^\"]*\"" | head -1 | sed 's/.*: *"\(.*\)"/\1/'
}
# a history that is not the contract's (edited by hand, another window) is cut down to it
history="$(field ailz.io/health-history | tr -cd PF | tail -c 5)"
previous="$(field ailz.io/health)"
uid="$(field uid)"
version="$(field resourceVersion)"
json_reason="$(printf '%s' "$reason" | tr -d '"\\' | cut -c1-250)"
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [ "$result" = U ]; then
  call PATCH "/api/v1/nodes/$NODE_NAME" application/merge-patch+json \
    "{\"metadata\":{\"annotations\":{\"ailz.io/health-checked-at\":\"$now\",\"ailz.io/health-reason\":\"$json_reason\"}}}" \
    >/dev/null || return 2
  echo "node $NODE_NAME: not tested, stays ${previous:-unchecked}"
  return 0
fi
after=""
state=""
was_bad=0
[ "$previous" = bad ] && was_bad=1
read -r after state < <(awk -v key="${history:--} $result $was_bad" '$1 " " $2 " " $3 == key { print $4, $5 }' "$here/transitions.txt")
case "$state" in
  good | suspect | flaky | bad) ;;
  *) echo "no state for history '$history' and result $result in transitions.txt" >&2; return 2 ;;
esac
[ "$after" = "-" ] && after=""
# the taint follows the state: on for bad, off otherwise (other taints untouched)
taints="$(printf '%s' "$node_json" | sed -n 's/.*"taints": *\[\([^]]*\)\].*/\1/p')"
index=-1
i=0
if [ -n "$taints" ]; then
  while read -r key; do
    [ "$key" = "ailz.io/health-bad" ] && index=$i
    i=$((i + 1))
  done < <(printf '%s' "$taints" | sed 's/} *, *{/}\n{/g' | grep -o '"key": *"[^"]*"' | sed 's/.*: *"\(.*\)"/\1/')
fi
taint='{"key":"ailz.io/health-bad","value":"true","effect":"NoSchedule"}'
# the node as read: a patch on a node that changed since fails, and the next check tries again
same="{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"$version\"}"
if [ "$state" = bad ] && [ "$index" -lt 0 ]; then
  if [ -n "$taints" ]; then op="[$same,{\"op\":\"add\",\"path\":\"/spec/taints/-\",\"value\":$taint}]"
  else op="[$same,{\"op\":\"add\",\"path\":\"/spec/taints\",\"value\":[$taint]}]"; fi
  call PATCH "/api/v1/nodes/$NODE_NAME" application/json-patch+json "$op" >/dev/null || return 3
elif [ "$state" != bad ] && [ "$index" -ge 0 ]; then
  op="[$same,{\"op\":\"test\",\"path\":\"/spec/taints/$index/key\",\"value\":\"ailz.io/health-bad\"},{\"op\":\"remove\",\"path\":\"/spec/taints/$index\"}]"
  call PATCH "/api/v1/nodes/$NODE_NAME" application/json-patch+json "$op" >/dev/null || return 3
fi

call PATCH "/api/v1/nodes/$NODE_NAME" application/merge-patch+json \
  "{\"metadata\":{\"labels\":{\"ailz.io/health\":\"$state\"},\"annotations\":{\"ailz.io/health-history\":\"$after\",\"ailz.io/health-checked-at\":\"$now\",\"ailz.io/health-reason\":\"$json_reason\",\"ailz.io/health-busbw\":\"$busbw\"}}}" \
  >/dev/null || return 2

# an Event for every change of state
if [ "$state" != "${previous:-}" ]; then
  type=Normal
  [ "$state" = good ] || type=Warning
  call POST /api/v1/namespaces/default/events application/json \
    "{\"metadata\":{\"generateName\":\"$NODE_NAME.ailz-health-\"},\"involvedObject\":{\"kind\":\"Node\",\"name\":\"$NODE_NAME\",\"uid\":\"$uid\",\"apiVersion\":\"v1\"},\"reason\":\"AilzHealth${state^}\",\"message\":\"${previous:-unchecked} -> $state: $json_reason\",\"type\":\"$type\",\"source\":{\"component\":\"ailz-health\"},\"firstTimestamp\":\"$now\",\"lastTimestamp\":\"$now\",\"count\":1}" \
    >/dev/null || echo "could not record an event" >&2
fi
echo "node $NODE_NAME: ${previous:-unchecked} -> $state (history $after)"
}

for attempt in 1 2 3; do
  record
  rc=$?
  [ "$rc" -ne 3 ] && exit "$rc"
  echo "node $NODE_NAME changed while recording (attempt $attempt), reading it again"
done
exit 2
