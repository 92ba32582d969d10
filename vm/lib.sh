# shellcheck shell=bash disable=SC2034  # JVFIO_VM_WHY is read by the scripts that source this
# Sourced by vm/run, vm/stage and vm/kernel: where things live, how a kernel and QEMU are found.
# Callers set `set -euo pipefail` themselves; nothing here exits, functions return non-zero and
# leave the reason in JVFIO_VM_WHY so a caller can print it (vm/stage turns it into a skip line).

JVFIO_VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JVFIO_REPO=$(cd "$JVFIO_VM_DIR/.." && pwd)
# Everything the harness makes (kernel build, per-run control dirs, logs) lives here: it must
# not be under /tmp, because the guest mounts a fresh tmpfs there and could not see it.
JVFIO_VM_CACHE=${JVFIO_VM_CACHE:-$HOME/.cache/jvfio-vm}
JVFIO_VM_WHY=

vm_log() { [ "${JVFIO_VM_QUIET:-0}" = 1 ] || echo "vm: $*" >&2; }
vm_die() { echo "vm: $*" >&2; }

# A host path the guest sees at the same place: not under the mounts the guest init shadows.
vm_path_visible() {
  case "$1/" in
    /tmp/* | /run/* | /dev/* | /proc/* | /sys/*) return 1 ;;
  esac
  case "$1" in *[[:space:]]*) return 1 ;; esac
  return 0
}

# Prints the kernel to boot: $JVFIO_VM_KERNEL, else the shared prebuilt one next to the
# repository (or next to its origin, for a local clone, or its main checkout, for a worktree), else the one vm/kernel built into the cache. Returns 1 when there is none.
vm_find_kernel() {
  local candidate
  if [ -n "${JVFIO_VM_KERNEL:-}" ] && [ ! -s "$JVFIO_VM_KERNEL" ]; then
    JVFIO_VM_WHY="the kernel asked for ($JVFIO_VM_KERNEL) does not exist"
    return 1
  fi
  # A clone made elsewhere (git clone /work/main /tmp/x) finds the shared kernel beside its origin.
  # A git worktree (/work/wt/x of /work/main) finds it beside its main checkout.
  local origin common
  origin=$(git -C "$JVFIO_REPO" remote get-url origin 2>/dev/null || true)
  case "$origin" in /*) ;; *) origin= ;; esac
  common=$(git -C "$JVFIO_REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
  for candidate in "${JVFIO_VM_KERNEL:-}" "$JVFIO_REPO/../shared/testkernel/bzImage" \
    "${origin:+$origin/../shared/testkernel/bzImage}" "${common:+$common/../../shared/testkernel/bzImage}" \
    "$JVFIO_VM_CACHE/kernel/bzImage"; do
    if [ -n "$candidate" ] && [ -s "$candidate" ]; then
      (cd "$(dirname "$candidate")" && echo "$(pwd)/$(basename "$candidate")")
      return 0
    fi
  done
  JVFIO_VM_WHY="no Linux 7.2 test kernel (no ../shared/testkernel/bzImage, none built in $JVFIO_VM_CACHE/kernel; vm/kernel build makes one in ~18 min)"
  return 1
}

# Makes sure qemu-system-x86_64 exists (installing Debian's package when it does not: the
# harness runs as root on Debian) and supports every device the VM uses.
vm_ensure_qemu() {
  if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      JVFIO_VM_WHY="qemu-system-x86_64 is missing and cannot be installed here (needs root and apt-get)"
      return 1
    fi
    vm_log "installing qemu-system-x86 with apt-get (first run only)..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86; } \
      >"$JVFIO_VM_CACHE/apt-qemu.log" 2>&1; then
      JVFIO_VM_WHY="installing qemu-system-x86 failed (see $JVFIO_VM_CACHE/apt-qemu.log)"
      return 1
    fi
  fi
  local devices
  if ! devices=$(qemu-system-x86_64 -machine q35 -device help 2>&1); then
    JVFIO_VM_WHY="qemu-system-x86_64 does not start: $(echo "$devices" | head -1)"
    return 1
  fi
  local needed
  for needed in edu nvme intel-iommu virtio-9p-pci virtio-serial-pci virtserialport; do
    if ! grep -q "name \"$needed\"" <<<"$devices"; then
      JVFIO_VM_WHY="this qemu-system-x86_64 lacks the $needed device"
      return 1
    fi
  done
}

mkdir -p "$JVFIO_VM_CACHE"
