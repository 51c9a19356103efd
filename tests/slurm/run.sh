#!/usr/bin/env bash
# CI test: a real single-node Slurm cluster runs a 4-shard sweep as a job array plus a
# dependent merge job; the merged rows and summary must be byte-identical to a single-process
# run of the same sweep. Installs the Debian packages (slurmctld slurmd slurm-client munge) if
# missing, writes a private munge key and slurm.conf (ProctrackType=proctrack/linuxproc,
# TaskPlugin=task/none) under a temporary folder, starts munged, slurmctld and slurmd, and
# stops them on exit. Needs root (the daemons run as root here). Usage: tests/slurm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$(pwd)

need=()
for p in slurmctld slurmd slurm-client munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

cargo build --release --quiet
BIN="$REPO/target/release/sitefind"

W=$(mktemp -d /tmp/sitefind-slurm.XXXXXX)
chmod 755 "$W"
pids=()
cleanup() {
  status=$?
  for f in "$W/slurmd.pid" "$W/slurmctld.pid" "$W/munge/munged.pid"; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
  sleep 1
  if [ $status -ne 0 ]; then
    echo "--- slurmctld.log"; tail -n 30 "$W/slurmctld.log" 2>/dev/null || true
    echo "--- slurmd.log"; tail -n 30 "$W/slurmd.log" 2>/dev/null || true
    for f in "$W"/out/logs/*.log; do [ -f "$f" ] && { echo "--- $f"; cat "$f"; }; done
  fi
  rm -rf "$W"
  exit $status
}
trap cleanup EXIT

# munge: a private key and socket.
mkdir -p "$W/munge"
chmod 700 "$W/munge"
dd if=/dev/urandom of="$W/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$W/munge/munge.key"
munged --force --key-file="$W/munge/munge.key" --socket="$W/munge/munge.socket" \
  --pid-file="$W/munge/munged.pid" --log-file="$W/munge/munged.log" --seed-file="$W/munge/munged.seed"

HOST=$(hostname -s)
CPUS=$(nproc)
PORT_BASE=$(( 17000 + RANDOM % 2000 ))
mkdir -p "$W/state" "$W/spool"
cat > "$W/slurm.conf" <<CONF
ClusterName=sitefindci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$PORT_BASE
SlurmdPort=$((PORT_BASE + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$W/munge/munge.socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
SlurmdTimeout=60
NodeName=ci1 NodeHostname=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=ci Nodes=ci1 Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$W/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N ci1
for i in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then break; fi
  sleep 1
done
sinfo

echo "=== single-process sweep"
"$BIN" sweep "$REPO/tests/slurm/sweep.toml" --out "$W/single" --quiet > /dev/null

echo "=== the same sweep as a 4-shard Slurm job array + merge"
"$BIN" sweep "$REPO/tests/slurm/sweep.toml" --emit-slurm "$W/submit.sh" --shards 4 --cpus-per-task 1 \
  --time 00:30:00 --out "$W/out" --quiet
read -r array_id merge_id < <(bash "$W/submit.sh")
echo "array job $array_id, merge job $merge_id"
for i in $(seq 1 900); do
  if [ -z "$(squeue -h -j "$array_id,$merge_id" 2>/dev/null)" ]; then break; fi
  sleep 1
done
if [ -n "$(squeue -h -j "$array_id,$merge_id" 2>/dev/null)" ]; then
  echo "error: jobs still queued after 15 minutes" >&2; squeue; exit 1
fi
[ -f "$W/out/summary.json" ] || { echo "error: the merge job wrote no summary" >&2; exit 1; }
for f in rows.csv rows.jsonl summary.json meta.json; do
  cmp "$W/single/$f" "$W/out/$f"
  echo "identical: $f"
done
echo "=== Slurm sweep test passed"
