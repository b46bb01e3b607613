"""Writes lava.sh's device dictionary and one job: Debian's arm64 kernel and
the test initramfs under qemu-system-aarch64, the kit's test definition
inline with its --quick parameters (../shared/DESIGN.md, "A LAVA job with no
server", has the recipe and its traps).

    lava_job.py NAME WORKDIR KERNEL INITRD DEFINITION [--doctor]

--doctor: the control job. A lava-test-case shim ahead on PATH reports the
hypercall and map/unmap times in us and drops every flush case.
"""
import sys

import yaml

# What the kit's definition runs in CI: the quick suite of the families whose
# figures it reports (about 20 s under TCG), and one experiment that runs here.
PARAMETERS = {"KIT_DIR": "/dmabench", "SUITE": "--quick",
              "FILTER": "^(call|cache/[a-z_]+/size:4096/|dmamap/(native|swiotlb)/)",
              "EXPERIMENTS": "hypercall-vs-call lazy-unmap"}

DEVICE = {
    "device_type": "qemu", "available_architectures": ["arm64"],
    "constants": {
        "posix": {"lava_test_sh_cmd": "/bin/sh", "lava_test_results_dir": "/lava-%s"},
        "kernel-start-message": "Linux version [0-9]",
        "default-shell-prompt": "lava-test: # ", "spawn_maxread": 4092,
        "failure_retry": 1, "boot_retry": 1},
    "actions": {
        "deploy": {"methods": {"image": {"parameters": {"guest": {"size": 512}}}, "tmpfs": None}},
        "boot": {"connections": {"serial": None},
                 "methods": {"qemu": {"parameters": {
                     "command": "qemu-system-aarch64",
                     "options": ["-M virt", "-cpu max,pauth-impdef=on", "-smp 2", "-m 1024",
                                 "-nographic", "-nic none", "-no-reboot", "-monitor none"]}}}}},
    "timeouts": {"actions": {}, "connections": {}},
}

SHIM = ["mkdir -p /tmp/doctor",
        "printf '%s\\n' '#!/bin/sh' 'case $1 in flush_*) exit 0;; hypercall_ns.*|map_unmap_ns.*) "
        "set -- $(echo \"$*\" | sed \"s/--units ns/--units us/\");; esac' "
        "\"exec $(command -v lava-test-case) \\\"\\$@\\\"\" >/tmp/doctor/lava-test-case",
        "chmod +x /tmp/doctor/lava-test-case", "export PATH=/tmp/doctor:$PATH"]


def job(name, kernel, initrd, definition):
    return {
        "job_name": f"dmabench {name}", "device_type": "qemu", "visibility": "public",
        "priority": "medium", "context": {"arch": "arm64"},
        "timeouts": {"job": {"minutes": 4}, "action": {"minutes": 3},
                     "connection": {"minutes": 2}},
        "actions": [
            {"deploy": {"to": "tmpfs", "os": "oe", "timeout": {"minutes": 1}, "images": {
                "kernel": {"url": f"file://{kernel}", "image_arg": '-kernel {kernel} -append "console=ttyAMA0 panic=-1"'},
                "initrd": {"url": f"file://{initrd}", "image_arg": "-initrd {initrd}",
                           "format": "cpio.newc", "overlays": {"lava": True}}}}},
            {"boot": {"method": "qemu", "media": "tmpfs", "timeout": {"minutes": 1},
                      "prompts": ["/ #"]}},
            {"test": {"timeout": {"minutes": 3}, "definitions": [{
                "from": "inline", "name": "dmabench", "path": "inline/dmabench.yaml",
                "repository": definition, "parameters": PARAMETERS}]}},
        ],
    }


def main(argv):
    name, work, kernel, initrd, definition = argv[:5]
    with open(definition, encoding="utf-8") as f:
        d = yaml.safe_load(f)
    if "--doctor" in argv:
        d["run"]["steps"] = SHIM + d["run"]["steps"]
    with open(f"{work}/device.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(DEVICE, f, sort_keys=False)
    with open(f"{work}/{name}.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump(job(name, kernel, initrd, d), f, sort_keys=False, width=1000)


if __name__ == "__main__":
    main(sys.argv[1:])
