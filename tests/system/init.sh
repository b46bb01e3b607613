#!/bin/busybox sh
# /init of the system test's initramfs (busybox, dmabench, dmabench.ko).
# Each result goes to the serial console as base64 between
#   DMABENCH-BEGIN <name>   and   DMABENCH-END <name> rc=<status>
# which boot.sh cuts out; then the machine powers off.
# The kernel command line picks the work: dmabench.mode=full, pmu, fuzz, smmu,
# xen or kvm (dmabench.seed=N seeds the fuzz test).
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Kernel messages would cut into the base64 lines: keep them in dmesg.
echo 1 >/proc/sys/kernel/printk

mode=$(sed -n 's/.*dmabench\.mode=\([a-z]*\).*/\1/p' /proc/cmdline)
export HOME=/tmp

# emit NAME COMMAND...: COMMAND's stdout (stderr kept in NAME.err) to the console.
emit() {
    name=$1
    shift
    mkdir -p /tmp/emit
    "$@" >/tmp/emit/$name 2>/tmp/emit/$name.err
    rc=$?
    echo "DMABENCH-BEGIN $name"
    base64 /tmp/emit/$name
    echo "DMABENCH-END $name rc=$rc"
    echo "DMABENCH-BEGIN $name.err"
    tail -c 20000 /tmp/emit/$name.err | base64
    echo "DMABENCH-END $name.err rc=0"
}

# QEMU's edu devices (vendor 0x1234, device 0x11e8), by PCI address.
edus() {
    for d in /sys/bus/pci/devices/*; do
        [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ] && basename $d
    done
}

# The module's life: loads; refuses rmmod while a file is open on it;
# unloads when idle; loads again for the run.
lifecycle() {
    insmod /dmabench.ko; echo "insmod=$?"
    [ -c /dev/dmabench ]; echo "device=$?"
    exec 3</dev/dmabench
    rmmod dmabench 2>/dev/null; echo "rmmod_while_open=$?"
    exec 3<&-
    rmmod dmabench; echo "rmmod_idle=$?"
    [ -e /dev/dmabench ]; echo "device_after_rmmod=$?"
    insmod /dmabench.ko; echo "insmod_again=$?"
}

# The fuzz test: the module under hostile callers (kmod_fuzz.c), its log
# gzipped (10,000 lines); then whether it unloads, and a full check of every
# slab cache (slub_debug reports into dmesg).
fuzz_life() {
    cat /proc/cmdline
    echo "hypervisor=$(cat /sys/hypervisor/type 2>/dev/null)"
    for f in sanity_checks red_zone poison store_user; do
        echo "slab_$f=$(cat /sys/kernel/slab/kmalloc-256/$f)"
    done
    insmod /dmabench.ko; echo "insmod=$?"
}
fuzz_run() {
    seed=$(sed -n 's/.*dmabench\.seed=\([0-9]*\).*/\1/p' /proc/cmdline)
    /dmabench/kmod_fuzz "${seed:-1}" 10000 $(edus) >/tmp/fuzz.log
    rc=$?
    gzip -c /tmp/fuzz.log
    return $rc
}
fuzz_end() {
    rmmod dmabench; echo "rmmod=$?"
    [ -e /dev/dmabench ]; echo "device_after_rmmod=$?"
    for v in /sys/kernel/slab/*/validate; do echo 1 >"$v" 2>/dev/null; done
    echo "validated=1"
}

# The SMMU test: two edu devices (vendor 0x1234, device 0x11e8); the second
# is given to pci-stub so that binding it must be refused; the first is
# driven through the module by kmod_smmu.c.
smmu_run() {
    edus=$(for d in /sys/bus/pci/devices/*; do
        [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ] && basename $d
    done)
    set -- $edus
    echo "edu devices: $*" >&2
    insmod /dmabench/pci-stub.ko || echo "insmod pci-stub failed" >&2
    if [ -n "${2:-}" ]; then
        echo pci-stub >/sys/bus/pci/devices/$2/driver_override
        echo $2 >/sys/bus/pci/drivers/pci-stub/bind
    fi
    insmod /dmabench.ko || return 1
    phase=$(sed -n 's/.*dmabench\.phase=\([a-z_]*\).*/\1/p' /proc/cmdline)
    /dmabench/kmod_smmu "$1" "${2:--}" $phase
    rc=$?
    rmmod dmabench; echo "RMMOD $?"
    return $rc
}

# The same through the CLI (the kit, first boot only): `run --device` on the
# first edu in each domain type, and refused on the one pci-stub holds; the
# strict-vs-lazy experiment; driver_override and the group's type after.
devmap_run() {
    set -- $(for d in /sys/bus/pci/devices/*; do
        [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ] && basename $d
    done)
    insmod /dmabench.ko || return 1
    echo "GROUPTYPE before $(cat /sys/bus/pci/devices/$1/iommu_group/type)"
    /dmabench/dmabench run --quick --device "$2" --filter '^kmod/devmap' --out /tmp/refused.json 2>&1
    echo "REFUSED rc=$?"
    /dmabench/dmabench run --quick --device "$1" --domain strict,lazy,identity --threads 2 --pmu none \
        --filter '^kmod/devmap/' --out /tmp/devmap.json >&2
    rc=$?
    /dmabench/dmabench experiment iommu-strict-vs-lazy --quick --device "$1" --threads 2 \
        --out /tmp/strict-lazy.json >&2 || rc=1
    # Issue 20's sg lists (--full): 64 MiB mapped, 1 GiB refused in this 1 GiB guest.
    /dmabench/dmabench run --full --device "$1" --domain strict --pmu none --filter \
        '^kmod/devmap/domain:strict/mode:sg/threads:1/granule:1/dir:to_device/size:(67108864|1073741824)/' \
        --out /tmp/list.json >&2 || rc=1
    echo "GROUPTYPE after $(cat /sys/bus/pci/devices/$1/iommu_group/type)"
    echo "OVERRIDE $1 $(cat /sys/bus/pci/devices/$1/driver_override)"
    # An SoC's kind of device: a platform device by its sysfs path (virt's
    # first virtio-mmio transport: its driver is a module nobody loaded), and
    # refused where a driver holds one. x86's q35 has no such device.
    plat=/sys/bus/platform/devices/a000000.virtio_mmio
    if [ -e $plat ]; then
        /dmabench/dmabench run --quick --device $plat --pmu none \
            --filter '^kmod/devmap/domain:[a-z]*/mode:single/threads:1/granule:1/' --out /tmp/platform.json >&2
        echo "PLATFORM rc=$? override=$(cat $plat/driver_override) driver=$(readlink $plat/driver)"
        for d in /sys/bus/platform/devices/*; do
            [ -e $d/driver ] && { held=$(basename $d); break; }
        done
        echo "HELD $held $(basename "$(readlink /sys/bus/platform/devices/$held/driver)")"
        /dmabench/dmabench run --quick --device "$held" --filter '^kmod/devmap' --out /tmp/refused.json 2>&1
        echo "REFUSED_PLATFORM rc=$?"
    fi
    rmmod dmabench; echo "RMMOD $?"
    return $rc
}

# The peer (issue 20): refused without dma_map_benchmark and on pci-stub's
# edu; then map_benchmark.ko (built from Debian's linux-source-6.1) beside
# dmabench.ko, `dmabench peer` on the first edu for strict and lazy, 1 and 2
# threads, granule 1 and 16, and the peer's own tool once on the same edu.
peer_run() {
    echo "UPTIME start $(cut -d' ' -f1 /proc/uptime)"
    set -- $(edus)
    d=/sys/bus/pci/devices/$1
    grep -q " /sys/kernel/debug " /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
    insmod /dmabench.ko || return 1
    /dmabench/dmabench peer dma_map_benchmark --device "$1" --out /tmp/nopeer.json 2>&1
    echo "NOPEER rc=$?"
    insmod /dmabench/map_benchmark.ko || return 1
    /dmabench/dmabench peer dma_map_benchmark --device "$2" --out /tmp/held.json 2>&1
    echo "HELDPEER rc=$?"
    echo "GROUPTYPE before $(cat $d/iommu_group/type)"
    rc=0
    for t in 1 2; do
        for g in 1 16; do
            /dmabench/dmabench peer dma_map_benchmark --device "$1" --domain strict,lazy --threads $t --granule $g \
                --seconds 1 --quick --out /tmp/peer-t$t-g$g.json || rc=1
        done
    done
    echo "GROUPTYPE after $(cat $d/iommu_group/type)"
    echo "OVERRIDE $1 $(cat $d/driver_override) driver=$(readlink $d/driver)"
    # The peer's own tool, bound by hand as its documentation says, in the
    # strict domain (as `dmabench peer` read it): strict t1 g1's twin.
    type=$(cat $d/iommu_group/type)
    echo DMA >$d/iommu_group/type
    echo dma_map_benchmark >$d/driver_override
    echo "$1" >/sys/bus/pci/drivers/dma_map_benchmark/bind
    /dmabench/dma_map_benchmark -t 1 -s 1 -g 1 -d 1 -b 64 | sed 's/^/TOOL /' || rc=1
    echo "$1" >/sys/bus/pci/drivers/dma_map_benchmark/unbind
    echo >$d/driver_override
    echo "$type" >$d/iommu_group/type
    rmmod map_benchmark; rmmod dmabench; echo "RMMOD $?"
    echo "UPTIME end $(cut -d' ' -f1 /proc/uptime)"
    return $rc
}

# A Xen dom0 (system.arm64_xen): the hypervisor as dom0 sees it, then
# xen_run's JSON lines, and when the kit is there dmabench's kmod/ Xen cases
# and map-unmap-symmetry through edu (dmabench.foreign=DOMID:GREF: a page
# another domain grants dom0).
xen_life() {
    echo "hypervisor=$(cat /sys/hypervisor/type 2>/dev/null)"
    insmod /dmabench.ko; echo "insmod=$?"
    [ -x /dmabench/dmabench ]; echo "kit=$((1 - $?))"
}

case $mode in
smmu)
    emit smmu.log smmu_run
    if [ -x /dmabench/dmabench ] && ! grep -q 'dmabench\.phase=' /proc/cmdline; then
        emit devmap.log devmap_run
        emit devmap.json cat /tmp/devmap.json
        emit strict-lazy.json cat /tmp/strict-lazy.json
        emit list.json cat /tmp/list.json
        [ -e /tmp/platform.json ] && emit platform.json cat /tmp/platform.json
        if [ -e /dmabench/map_benchmark.ko ]; then
            emit peer.log peer_run
            for f in /tmp/peer-t*.json; do emit "${f#/tmp/}" cat "$f"; done
        fi
    fi
    ;;
xen)
    emit xen-life xen_life
    emit xen.jsonl /dmabench/xen_run
    if [ -x /dmabench/dmabench ]; then
        foreign=$(sed -n 's/.*dmabench\.foreign=\([0-9:]*\).*/\1/p' /proc/cmdline)
        set -- --quick --device "$(edus)" ${foreign:+--xen-grant $foreign}
        emit xen-run.log /dmabench/dmabench run "$@" --filter '^kmod/(xen_version|gnttab_flush|xen_devmap)' \
            --out /tmp/xen-result.json
        emit xen-result.json cat /tmp/xen-result.json
        # Without the grant nothing is timed, and the record says what to pass.
        emit xen-nogrant.json /dmabench/dmabench run --quick --device "$(edus)" --filter '^kmod/xen_devmap' --out -
        emit xen-experiment.log /dmabench/dmabench experiment map-unmap-symmetry "$@" \
            --out /tmp/xen-experiment.json
        emit xen-experiment.json cat /tmp/xen-experiment.json
    fi
    ;;
fuzz)
    emit fuzz-life fuzz_life
    emit fuzz.log.gz fuzz_run
    emit fuzz-end fuzz_end
    ;;
full)
    emit lifecycle lifecycle
    emit info.json /dmabench/dmabench info --json
    emit run.log /dmabench/dmabench run --quick --out /tmp/result.json
    emit result.json cat /tmp/result.json
    ;;
kvm)  # system.arm64_kvm: vm/ in a KVM guest of this kernel, then its control
    emit kvm-mode sh -c 'dmesg | grep "kvm \\["; ls -l /dev/kvm'
    emit vm-run.log /dmabench/dmabench run --quick --filter '^vm/' --out /tmp/vm.json
    emit vm.json cat /tmp/vm.json
    emit vm-control.log env DMABENCH_VM_CONTROL=no_exit /dmabench/dmabench run --quick --filter '^vm/exit:hvc' \
        --out /tmp/vm-control.json
    emit vm-control.json cat /tmp/vm-control.json
    emit vm-experiment.log /dmabench/dmabench experiment hypercall-vs-call --quick --out /tmp/vm-experiment.json
    emit vm-experiment.json cat /tmp/vm-experiment.json
    ;;
pmu)
    emit info.json /dmabench/dmabench info --json
    emit pmu-run.log /dmabench/dmabench run --quick --filter '^calib/empty' \
        --pmu arm_ac57::CPU_CYCLES,arm_ac57::INST_RETIRED --out /tmp/pmu.json
    emit pmu-result.json cat /tmp/pmu.json
    ;;
*)
    echo "init: dmabench.mode='$mode': accepted: full, pmu, kvm, fuzz, smmu or xen" >/tmp/mode
    emit mode cat /tmp/mode
    ;;
esac
emit dmesg dmesg
echo DMABENCH-DONE
sync
poweroff -f
