#!/usr/bin/env bash
# Two "hosts" on one machine: network namespaces strata-h1 and strata-h2 joined by a veth
# pair (10.77.0.1 and 10.77.0.2, private to the namespaces), and a data-parallel training run
# with one MPI rank on each, over TCP, launched by mpirun --host as on a real cluster.
#
#   sudo Scripts/two_hosts.sh            # builds strata if needed, trains, removes the namespaces
#   sudo Scripts/two_hosts.sh mnist      # or: lm (default) / mnist / check (collectives only)
#
# On a real cluster the same mpirun line works with the machines' names or addresses in --host
# and ssh (passwordless, same path to strata on every machine) instead of the netns agent:
#   mpirun --host node1:1,node2:1 --mca btl tcp,self --mca btl_tcp_if_include eth0 \
#          /path/to/strata train lm --batch-size 32 ...
# Needs root (ip netns), iproute2 and Open MPI (apt-get install openmpi-bin).
set -euo pipefail
cd "$(dirname "$0")/.."
job="${1:-lm}"
root="$(pwd)"
strata="$root/.build/release/strata"
h1=strata-h1; h2=strata-h2; a1=10.77.0.1; a2=10.77.0.2; net=10.77.0.0/24

command -v mpirun > /dev/null || { echo "mpirun not found: apt-get install openmpi-bin" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (ip netns needs it)" >&2; exit 1; }
[ -x "$strata" ] || swift build -c release --product strata

remove_hosts() {
    ip netns del "$h1" 2> /dev/null || true
    ip netns del "$h2" 2> /dev/null || true
}
remove_hosts   # left over from an interrupted run
work="$(mktemp -d /tmp/strata-two-hosts.XXXXXX)"
trap 'remove_hosts; rm -rf "$work"' EXIT

echo "== two hosts: $h1 ($a1) and $h2 ($a2), one veth pair =="
ip netns add "$h1"
ip netns add "$h2"
ip link add strata-v1 type veth peer name strata-v2
ip link set strata-v1 netns "$h1"
ip link set strata-v2 netns "$h2"
ip -n "$h1" addr add "$a1/24" dev strata-v1
ip -n "$h2" addr add "$a2/24" dev strata-v2
for ns in "$h1" "$h2"; do
    ip -n "$ns" link set lo up
done
ip -n "$h1" link set strata-v1 up
ip -n "$h2" link set strata-v2 up
if command -v ping > /dev/null; then
    ip netns exec "$h1" ping -c 1 -W 2 "$a2" > /dev/null && echo "$h1 reaches $h2 over the veth pair"
fi

# mpirun starts its daemon on a remote host through a "remote shell" agent called like ssh:
# AGENT [options] HOST COMMAND... Here the agent enters that host's namespace instead.
agent="$work/netns-agent.sh"
cat > "$agent" <<AGENT
#!/usr/bin/env bash
while [ "\${1:-}" != "" ] && [ "\${1#-}" != "\$1" ]; do shift; done   # ssh-style options
host="\$1"; shift
case "\$host" in
    $a1) ns=$h1 ;;
    $a2) ns=$h2 ;;
    *) echo "netns agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
AGENT
chmod +x "$agent"

mpi=(mpirun --allow-run-as-root --host "$a1:1,$a2:1" -np 2
     --mca plm_rsh_agent "$agent"
     --mca btl tcp,self --mca btl_tcp_if_include "$net" --mca oob_tcp_if_include "$net"
     --timeout 600)

case "$job" in
    check)
        ip netns exec "$h1" "${mpi[@]}" "$strata" collectives-check --out "$work"
        cat "$work/rank-1.json" ;;
    mnist)
        ip netns exec "$h1" "${mpi[@]}" "$strata" train mnist --epochs 1 --validation-split 0.9 "${@:2}" --out "$work/mnist" --json "$work/mnist.json"
        cat "$work/mnist.json" ;;
    lm)
        ip netns exec "$h1" "${mpi[@]}" "$strata" train lm --steps 60 --eval-interval 30 --sample-tokens 0 "${@:2}" \
            --out "$work/lm" --json "$work/lm.json"
        cat "$work/lm.json" ;;
    *) echo "usage: $0 [lm|mnist|check]" >&2; exit 64 ;;
esac
