#!/usr/bin/env bash
# The guest half of vm/stage: runs inside the test VM (through vm/run) from the repository root.
# Prints one "vm-check: ok NAME" or "vm-check: FAIL NAME: why" line per check; vm/stage counts
# them. Always exits 0 once the checks have run, so a non-zero exit means the script broke.
# usage: vm/stage-guest.sh PROBE_CLASSES_DIR CLI_MODE [FUZZ_ARGS]
#   CLI_MODE: conformance (run `jvfio conformance --backend native`), version (`jvfio --version`)
#   or none (no CLI jar); vm/stage decides on the host, where a JVM starts in a second, not 20.
#   FUZZ_ARGS: the differential fuzzer's fast subset (`jvfio fuzz` options); its native log goes
#   to $JVFIO_VM_OUT/fuzz-native.log, which vm/stage compares with the emulated run on the host.
set -uo pipefail # no -e: a failing check is reported, and the next one still runs

probe=${1:-}
cli_mode=${2:-version}
fuzz_args=${3:-}
jar=cli/target/jvfio-cli.jar
# C1 only: C2 compiling startup code costs more than it saves in a short run under emulation
# (java -version measured 4 s with C1 against 6-9 s with both, though the noise was large).
# (vm/run sets JAVA_HOME to the host's JDK 25; without one the JDK check below fails.)
java=("${JAVA_HOME:-/no-jdk-25-on-the-host}/bin/java" --enable-native-access=ALL-UNNAMED -XX:TieredStopAtLevel=1)

ok() { echo "vm-check: ok $*"; }
fail() { echo "vm-check: FAIL $1: $2"; }
check() { # check NAME COMMAND...: ok when the command succeeds
  local name=$1
  shift
  if "$@"; then ok "$name"; else fail "$name" "'$*' failed"; fi
}
now() { local up _; read -r up _ </proc/uptime && echo "$up"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

release=$(uname -r)
case $release in
  7.2.*) ok "kernel is Linux $release" ;;
  *) fail "kernel is Linux 7.2" "uname -r says $release" ;;
esac
check "/dev/iommu is a character device" test -c /dev/iommu
check "iommufd selftest mock IOMMU registered (/sys/class/iommu/iommufd_selftest_iommu.0)" \
  test -e /sys/class/iommu/iommufd_selftest_iommu.0

# The inventory the guest init wrote: "NAME BDF key value ..." (see docs/vm.md).
for kind in edu nvme; do
  line=$(grep -m1 "^$kind " "${JVFIO_VM_DEVICES:-/run/jvfio/devices}")
  if [ -z "$line" ]; then
    fail "$kind present" "no '$kind' line in ${JVFIO_VM_DEVICES:-/run/jvfio/devices}"
    continue
  fi
  read -r -a f <<<"$line"
  declare -A kv=()
  for ((i = 2; i + 1 < ${#f[@]}; i += 2)); do kv[${f[i]}]=${f[i + 1]}; done
  bdf=${f[1]}
  if [ "${kv[driver]:--}" = vfio-pci ] && [ "$(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")" = vfio-pci ]; then
    ok "$kind $bdf bound to vfio-pci"
  else
    fail "$kind $bdf bound to vfio-pci" "driver is ${kv[driver]:--}"
  fi
  check "$kind group node ${kv[group_dev]:--} (group ${kv[group]:--})" test -c "${kv[group_dev]:--}"
  check "$kind cdev ${kv[cdev]:--}" test -c "${kv[cdev]:--}"
  unset kv
done

# The host's JDK 25 runs here as it is: time a bare start (the JVM start cost under TCG).
t=$(now)
if version=$("${java[@]}" -version 2>&1); then
  ok "JDK runs in the guest ($(since "$t")s for java -version: $(head -1 <<<"$version"))"
else
  fail "JDK runs in the guest" "$version"
fi

if [ -n "$probe" ] && [ -f "$probe/VmProbe.class" ]; then
  t=$(now)
  "${java[@]}" -cp "$probe" VmProbe || fail "VmProbe" "exited $?"
  echo "vm: VmProbe took $(since "$t")s"
else
  fail "VmProbe" "no compiled probe in '${probe}' (vm/stage compiles it on the host)"
fi

# The CLI: the conformance suite and the demo against the real kernel once those subcommands exist,
# else just proof that the project's jar starts here.
case $cli_mode in
  none)
    echo "vm: $jar not built; CLI checks skipped (build it: ./mvnw -B -DskipTests -pl cli -am package)"
    ;;
  conformance)
    t=$(now)
    if "${java[@]}" -jar "$jar" conformance --backend native; then
      ok "jvfio conformance --backend native ($(since "$t")s)"
    else
      fail "jvfio conformance --backend native" "exited $? after $(since "$t")s"
    fi
    # The main job, on the real kernel: finds edu/NVMe, binds, attaches, DMA, interrupts, detach.
    t=$(now)
    if out=$("${java[@]}" -jar "$jar" demo --native 2>&1); then
      ok "jvfio demo --native ($(since "$t")s): $(tail -1 <<<"$out")"
    else
      fail "jvfio demo --native" "exited $? after $(since "$t")s: $(tail -5 <<<"$out")"
    fi
    if [ -n "$fuzz_args" ]; then
      t=$(now)
      # shellcheck disable=SC2086 # the options, split as given
      if out=$("${java[@]}" -jar "$jar" fuzz --backend native $fuzz_args --out "$JVFIO_VM_OUT/fuzz-native.log" 2>&1); then
        ok "jvfio fuzz --backend native $fuzz_args ($(since "$t")s)"
      else
        fail "jvfio fuzz --backend native" "exited $? after $(since "$t")s: $(tail -5 <<<"$out")"
      fi
    fi
    ;;
  *)
    t=$(now)
    if out=$("${java[@]}" -jar "$jar" --version 2>&1); then
      ok "jvfio --version ($(since "$t")s): $(head -1 <<<"$out")"
    else
      fail "jvfio --version" "exited non-zero: $out"
    fi
    ;;
esac
exit 0
