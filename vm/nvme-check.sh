#!/usr/bin/env bash
# Linux's own nvme driver on an NVMe controller, in the guest: binds it (guest-init gave it to
# vfio-pci), writes 16 MiB of random data through the block device with O_DIRECT, reads it back
# and compares, counts the controller's MSI-X interrupts, then unbinds the driver (nvme_remove
# shuts the controller down as at power-off) and reads CSTS.SHST from BAR0 through sysfs: 2 is
# "shutdown complete". Meant for `vm/run --jvfio --kernel K -- bash vm/nvme-check.sh`, K a kernel
# with CONFIG_BLK_DEV_NVME (vm/kernel build): the guest's NVMe is then the emulated kernel's.
#   vm/nvme-check.sh [BDF]      default 0000:00:05.0; prints "nvme-check: ok ..." lines, exits 1 at the first failure
set -euo pipefail
bdf=${1:-0000:00:05.0}
dev=/sys/bus/pci/devices/$bdf
fail() { echo "nvme-check: FAIL $*"; exit 1; }
ok() { echo "nvme-check: ok $*"; }

[ -d /sys/bus/pci/drivers/nvme ] || fail "this kernel has no nvme driver (CONFIG_BLK_DEV_NVME)"
[ -e "$dev/driver" ] && echo "$bdf" >"$dev/driver/unbind"
echo nvme >"$dev/driver_override"
echo "$bdf" >/sys/bus/pci/drivers_probe
block=
for _ in $(seq 600); do
  for b in "$dev"/nvme/nvme*/nvme*n1; do [ -e "$b" ] && block=/dev/${b##*/}; done
  [ -n "$block" ] && [ -b "$block" ] && break
  sleep 0.1
done
[ -n "$block" ] && [ -b "$block" ] || fail "no namespace block device after binding $bdf to nvme"
ok "bound $bdf to nvme: $block, $(($(cat "/sys/block/${block#/dev/}/size") / 2048)) MiB"

irqs() { awk '/nvme0q/ { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i } END { print n + 0 }' /proc/interrupts; }
before=$(irqs)
head -c 16M /dev/urandom >/tmp/data
dd if=/tmp/data of="$block" bs=1M count=16 oflag=direct status=none || fail "writing 16 MiB to $block"
dd if="$block" of=/tmp/back bs=1M count=16 iflag=direct status=none || fail "reading 16 MiB from $block"
cmp -s /tmp/data /tmp/back || fail "the 16 MiB read back differ from what was written"
after=$(irqs)
[ "$after" -gt "$before" ] || fail "no nvme queue interrupt during the I/O ($before before, $after after)"
ok "16 MiB written, read back and identical; $((after - before)) queue interrupts (MSI-X)"

echo "$bdf" >"$dev/driver/unbind"
shst=$(python3 - "$dev/resource0" <<'EOF'
import mmap, struct, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 4096)
    print((struct.unpack_from("<I", m, 0x1c)[0] >> 2) & 3)
EOF
) || fail "reading CSTS through $dev/resource0"
[ "$shst" = 2 ] || fail "CSTS.SHST is $shst after the driver let go (2: shutdown complete)"
ok "unbound: the controller reports shutdown complete (CSTS.SHST 2)"
