#!/bin/bash
# PID 1 of the jvfio test VM (booted by vm/run with init=<this file>). The root file system is
# the host's, read-only over 9p, so this runs the host's bash and tools. It:
#   1. mounts the pseudo file systems, a tmpfs on /tmp and /run, and the two writable 9p shares
#      (tag "ctl": vm/run's private run directory; tag "out": the results directory);
#   2. binds every edu (1234:11e8) and NVMe (class 0x010802) PCI device to vfio-pci the way a
#      user would (driver_override + drivers_probe) and writes the inventory
#      /run/jvfio/devices (and the same as shell variables in /run/jvfio/env);
#   3. runs /run/jvfio/ctl/cmd.sh (written by vm/run) with stdout and stderr on the virtio
#      serial ports jvfio.stdout and jvfio.stderr, which vm/run copies to its own;
#   4. writes the command's exit status to /run/jvfio/ctl/status and powers off.
# No `set -e`: if PID 1 exits the kernel panics and the host learns nothing, so every step
# reports its failure and the script carries on to the power-off.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

CTL=/run/jvfio/ctl

power_off() {
  sync
  # sysrq 'o' powers off at once; QEMU runs with -no-reboot, so it exits either way.
  echo o >/proc/sysrq-trigger
  sleep 60
}

uptime_s() { read -r up _ </proc/uptime && echo "$up"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
# CONFIG_DEVTMPFS_MOUNT mounts /dev already when the root is mounted without an initramfs.
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm /dev/hugepages /run/jvfio "$CTL"
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t hugetlbfs hugetlbfs /dev/hugepages 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

if ! mount -t 9p -o trans=virtio,version=9p2000.L ctl "$CTL"; then
  echo "jvfio-init: cannot mount the ctl share; was this booted by vm/run?" >/dev/console
  power_off
fi
# config (written by vm/run) sets JVFIO_VM_OUT, the results directory's host path, and
# JVFIO_VM_QUIET.
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
out_dev= err_dev=
for _ in $(seq 50); do # the ports are announced by the host a moment after the driver probes
  out_dev=$(port_dev jvfio.stdout) && err_dev=$(port_dev jvfio.stderr) && [ -c "$out_dev" ] && [ -c "$err_dev" ] && break
  out_dev= err_dev=
  sleep 0.1
done
if [ -n "$out_dev" ] && [ -n "$err_dev" ]; then
  exec 3>"$out_dev" 4>"$err_dev"
else
  echo "jvfio-init: virtio ports jvfio.stdout/jvfio.stderr missing; output goes to the console" >/dev/console
  exec 3>/dev/console 4>/dev/console
fi
say() { [ "$JVFIO_VM_QUIET" = 1 ] || echo "vm: $*" >&4; }

if [ -n "$JVFIO_VM_OUT" ]; then
  # Mounted over the same path the read-only root shows, so host and guest paths agree.
  mount -t 9p -o trans=virtio,version=9p2000.L out "$JVFIO_VM_OUT" ||
    say "warning: cannot mount the results share on $JVFIO_VM_OUT"
fi

# --- bind the passthrough devices to vfio-pci and write the inventory --------------------------
bind_vfio() {
  local bdf=$1 dev=/sys/bus/pci/devices/$1 cur
  if [ -e "$dev/driver" ]; then
    cur=$(basename "$(readlink "$dev/driver")")
    [ "$cur" = vfio-pci ] && return 0
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
  group=- group_dev=- cdev=- driver=-
  [ -L "$dev/iommu_group" ] && group=$(basename "$(readlink "$dev/iommu_group")")
  # The nodes come from devtmpfs right after the probe; give them a moment.
  for _ in $(seq 20); do
    cdev=-
    for c in "$dev"/vfio-dev/vfio*; do [ -e "$c" ] && cdev=/dev/vfio/devices/${c##*/}; done
    [ "$group" != - ] && [ -c "/dev/vfio/$group" ] && group_dev=/dev/vfio/$group
    [ "$cdev" != - ] && [ -c "$cdev" ] && [ "$group_dev" != - ] && break
    sleep 0.1
  done
  [ -e "$dev/driver" ] && driver=$(basename "$(readlink "$dev/driver")")
  echo "$name $bdf group $group group_dev $group_dev cdev $cdev driver $driver id ${vendor#0x}:${device#0x} class ${class#0x}" \
    >>/run/jvfio/devices
  var=JVFIO_${name^^}
  {
    echo "export ${var}_BDF=$bdf ${var}_GROUP=$group ${var}_GROUP_DEV=$group_dev ${var}_CDEV=$cdev ${var}_DRIVER=$driver"
  } >>/run/jvfio/env
done
echo "export JVFIO_VM=1 JVFIO_VM_DEVICES=/run/jvfio/devices JVFIO_VM_OUT=$JVFIO_VM_OUT" >>/run/jvfio/env
cp /run/jvfio/devices "$CTL/devices"
while read -r line; do say "device $line"; done </run/jvfio/devices

# --- run the command ---------------------------------------------------------------------------
start=$(uptime_s)
say "guest up in ${start}s; running the command"
/bin/bash "$CTL/cmd.sh" </dev/null >&3 2>&4 3>&- 4>&-
rc=$?
end=$(uptime_s)
echo "$start $end" >"$CTL/command-uptime"
# Written then renamed, so vm/run never reads half a status.
echo "$rc" >"$CTL/status.new" && mv "$CTL/status.new" "$CTL/status"
exec 3>&- 4>&-
power_off
