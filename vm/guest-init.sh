#!/bin/bash
# PID 1 of the jvfio test VM (booted by vm/run with init=<this file>). The root file system is
# the host's, read-only over 9p, so this runs the host's bash and tools. It:
#   1. mounts the pseudo file systems, a tmpfs on /tmp and /run, and the two writable 9p shares
#      (tag "ctl": vm/run's private run directory; tag "out": the results directory), all
#      from the fstab vm/run wrote into the run directory (named by jvfio_run= on the kernel
#      command line, which the kernel hands to init as the environment variable jvfio_run);
#   2. binds every edu (1234:11e8) and NVMe (class 0x010802) PCI device to vfio-pci the way a
#      user would (driver_override + drivers_probe) and writes the inventory
#      /run/jvfio/devices (and the same as shell variables in /run/jvfio/env);
#   3. runs /run/jvfio/ctl/cmd.sh (written by vm/run) with stdout and stderr on the virtio
#      serial ports jvfio.stdout and jvfio.stderr, which vm/run copies to its own;
#   4. writes the command's exit status to /run/jvfio/ctl/status and powers off.
# Under TCG every exec of a binary over 9p costs a few hundred milliseconds, so this uses bash
# builtins wherever it can: one `mount` for everything, no seq/basename/readlink/sleep.
# No `set -e`: if PID 1 exits the kernel panics and the host learns nothing, so every step
# reports its failure and the script carries on to the power-off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

CTL=/run/jvfio/ctl

power_off() {
  # No sync needed: the only writable file systems are tmpfs and the 9p shares, which write
  # through to the host. sysrq 'o' powers off at once; QEMU runs with -no-reboot and exits.
  echo o >/proc/sysrq-trigger
  while :; do read -rt 60 <>/dev/console || :; done
}
uptime_s() { local up _; read -r up _ </proc/uptime && echo "$up"; }
# pause SECONDS: sleep without exec'ing /bin/sleep (a read that times out on a silent fd).
pause() { read -rt "$1" <> <(:) || :; }
# target DIR-or-LINK: prints the last component of where it resolves, forking but not exec'ing.
target() { (cd -P "$1" 2>/dev/null && echo "${PWD##*/}"); }

# mount -a needs the mount table, so /proc comes first and on its own.
mount -t proc proc /proc
if [ -n "${jvfio_run:-}" ]; then
  mount -a -T "$jvfio_run/fstab" || echo "jvfio-init: some mounts in $jvfio_run/fstab failed" >/dev/console
fi
if [ ! -r "$CTL/config" ]; then
  echo "jvfio-init: no $CTL/config (jvfio_run=${jvfio_run:-unset}); was this booted by vm/run?" >/dev/console
  echo "jvfio-init: mounted:" >/dev/console
  while read -r line; do echo "  $line"; done </proc/mounts >/dev/console
  power_off
fi
# config (written by vm/run) sets JVFIO_VM_OUT, the results directory's path, and JVFIO_VM_QUIET.
JVFIO_VM_OUT=
JVFIO_VM_QUIET=0
# shellcheck source=/dev/null
. "$CTL/config"
uptime_s >"$CTL/boot-uptime"

# The command's stdout and stderr: virtio serial ports are binary-clean (no tty CR/LF games)
# and can be opened only once, so open each here and hand the descriptors down.
port_dev() {
  local p name
  for p in /sys/class/virtio-ports/*; do
    [ -r "$p/name" ] || continue
    read -r name <"$p/name"
    if [ "$name" = "$1" ]; then echo "/dev/${p##*/}"; return 0; fi
  done
  return 1
}
out_dev='' err_dev=''
for ((i = 0; i < 50; i++)); do # the host announces the ports a moment after the driver probes
  out_dev=$(port_dev jvfio.stdout) && err_dev=$(port_dev jvfio.stderr) &&
    [ -c "$out_dev" ] && [ -c "$err_dev" ] && break
  out_dev='' err_dev=''
  pause 0.1
done
if [ -n "$out_dev" ]; then
  exec 3>"$out_dev" 4>"$err_dev"
else
  echo "jvfio-init: virtio ports jvfio.stdout/jvfio.stderr missing; output goes to the console" >/dev/console
  exec 3>/dev/console 4>/dev/console
fi
say() { [ "$JVFIO_VM_QUIET" = 1 ] || echo "vm: $*" >&4; }

# --- bind the passthrough devices to vfio-pci and write the inventory --------------------------
bind_vfio() {
  local bdf=$1 dev=/sys/bus/pci/devices/$1
  if [ -e "$dev/driver" ]; then
    [ "$(target "$dev/driver")" = vfio-pci ] && return 0
    echo "$bdf" >"$dev/driver/unbind"
  fi
  echo vfio-pci >"$dev/driver_override" && echo "$bdf" >/sys/bus/pci/drivers_probe
}

: >/run/jvfio/devices
: >/run/jvfio/env
declare -A seen=()
for dev in /sys/bus/pci/devices/*; do
  bdf=${dev##*/}
  read -r vendor <"$dev/vendor"
  read -r device <"$dev/device"
  read -r class <"$dev/class"
  if [ "$vendor:$device" = 0x1234:0x11e8 ]; then
    kind=edu
  elif [ "$class" = 0x010802 ]; then
    kind=nvme
  else
    continue
  fi
  # The first of a kind is "edu"/"nvme", further ones "edu1", "nvme1", ...
  n=${seen[$kind]:-0}
  seen[$kind]=$((n + 1))
  name=$kind
  [ "$n" = 0 ] || name=$kind$n
  bind_vfio "$bdf" || say "warning: binding $bdf to vfio-pci failed"
  group=$(target "$dev/iommu_group") || group=-
  group_dev=- cdev=- driver=-
  # The nodes come from devtmpfs right after the probe; give them a moment if need be.
  for ((i = 0; i < 20; i++)); do
    cdev=-
    for c in "$dev"/vfio-dev/vfio*; do [ -e "$c" ] && cdev=/dev/vfio/devices/${c##*/}; done
    [ "$group" != - ] && [ -c "/dev/vfio/$group" ] && group_dev=/dev/vfio/$group
    [ "$cdev" != - ] && [ -c "$cdev" ] && [ "$group_dev" != - ] && break
    pause 0.1
  done
  driver=$(target "$dev/driver") || driver=-
  line="$name $bdf group $group group_dev $group_dev cdev $cdev driver $driver id ${vendor#0x}:${device#0x} class ${class#0x}"
  echo "$line" >>/run/jvfio/devices
  echo "$line" >>"$CTL/devices"
  say "device $line"
  var=JVFIO_${name^^}
  echo "export ${var}_BDF=$bdf ${var}_GROUP=$group ${var}_GROUP_DEV=$group_dev ${var}_CDEV=$cdev ${var}_DRIVER=$driver" \
    >>/run/jvfio/env
done
echo "export JVFIO_VM=1 JVFIO_VM_DEVICES=/run/jvfio/devices JVFIO_VM_OUT=$JVFIO_VM_OUT" >>/run/jvfio/env

# --- run the command ---------------------------------------------------------------------------
start=$(uptime_s)
say "guest up in ${start}s; running the command"
/bin/bash "$CTL/cmd.sh" </dev/null >&3 2>&4 3>&- 4>&-
rc=$?
end=$(uptime_s)
echo "$start $end" >"$CTL/command-uptime"
echo "$rc" >"$CTL/status"
exec 3>&- 4>&-
power_off
