/* SPDX-License-Identifier: MIT */
/* What ConditionVirtualization= tests: the container svcd runs in, then the VM, found the way
 * systemd-detect-virt finds them (the container manager's marks; CPUID's hypervisor leaf, then
 * the firmware's vendor strings). */

#include <stdbool.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "common/macro.h"
#include "common/util.h"
#include "supervisor/svcd/condition-check.h"

static char *first_line(const char *path) {
        _cleanup_free_ char *s = NULL;
        if (read_full_file(path, &s, NULL) < 0)
                return NULL;
        s[strcspn(s, "\n")] = '\0';
        return isempty(s) ? NULL : TAKE_PTR(s);
}

/* container= in PID 1's environment (our own when we are PID 1). */
static char *container_env(void) {
        if (getpid() == 1) {
                const char *e = getenv("container");
                return isempty(e) ? NULL : strdup(e);
        }
        _cleanup_free_ char *env = NULL;
        size_t n = 0;
        if (read_full_file("/proc/1/environ", &env, &n) < 0)
                return NULL;
        for (size_t i = 0; i < n; i += strlen(env + i) + 1)
                if (strneq(env + i, "container=", 10) && env[i + 10])
                        return strdup(env + i + 10);
        return NULL;
}

static char *detect_container(void) {
        char *c = first_line("/run/systemd/container");
        if (!c)
                c = container_env();
        if (!c)
                c = first_line("/run/host/container-manager");
        if (!c && access("/run/.containerenv", F_OK) == 0)
                c = strdup("podman");
        if (!c && access("/.dockerenv", F_OK) == 0)
                c = strdup("docker");
        return c;
}

static const char *vm_from_cpuid(void) {
#if defined(__x86_64__) || defined(__i386__)
        static const struct {
                const char *sig, *id;
        } ids[] = {
                { "XenVMMXenVMM", "xen" },   { "KVMKVMKVM", "kvm" },       { "Linux KVM Hv", "kvm" },
                { "TCGTCGTCGTCG", "qemu" },  { "VMwareVMware", "vmware" }, { "Microsoft Hv", "microsoft" },
                { "bhyve bhyve ", "bhyve" }, { "QNXQVMBSQG", "qnx" },      { "ACRNACRNACRN", "acrn" },
                { "SRESRESRESRE", "sre" },   { "Apple VZ", "apple" },
        };
        unsigned a, b, c, d;
        if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1U << 31)))
                return NULL;
        char sig[13] = { 0 };
        __cpuid(0x40000000, a, b, c, d);
        memcpy(sig, &b, 4);
        memcpy(sig + 4, &c, 4);
        memcpy(sig + 8, &d, 4);
        for (size_t i = 0; i < ELEMENTSOF(ids); i++)
                if (streq(sig, ids[i].sig))
                        return ids[i].id;
        return "vm-other";
#else
        return NULL;
#endif
}

static const char *vm_from_dmi(void) {
        static const struct {
                const char *vendor, *id;
        } ids[] = {
                { "KVM", "kvm" },
                { "OpenStack", "kvm" },
                { "KubeVirt", "kvm" },
                { "Amazon EC2", "amazon" },
                { "QEMU", "qemu" },
                { "VMware", "vmware" },
                { "VMW", "vmware" },
                { "innotek GmbH", "oracle" },
                { "VirtualBox", "oracle" },
                { "Oracle Corporation", "oracle" },
                { "Xen", "xen" },
                { "Bochs", "bochs" },
                { "Parallels", "parallels" },
                { "BHYVE", "bhyve" },
                { "Hyper-V", "microsoft" },
                { "Apple Virtualization", "apple" },
                { "Google Compute Engine", "google" },
        };
        static const char *const files[] = { "/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor",
                                             "/sys/class/dmi/id/board_vendor",
                                             "/sys/class/dmi/id/bios_vendor" };
        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *s = first_line(files[f]);
                for (size_t i = 0; s && i < ELEMENTSOF(ids); i++)
                        if (strneq(s, ids[i].vendor, strlen(ids[i].vendor)))
                                return ids[i].id;
        }
        return NULL;
}

char *condition_detect_virtualization(bool *ret_vm, bool *ret_container) {
        char *container = detect_container();
        const char *vm = vm_from_cpuid();
        /* A hypervisor leaf that names no one: the firmware may say more. */
        if (!vm || streq(vm, "vm-other")) {
                const char *dmi = vm_from_dmi();
                vm = dmi ? dmi : vm;
        }
        *ret_vm = vm;
        *ret_container = container;
        if (container)
                return container;
        return strdup(vm ? vm : "none");
}
