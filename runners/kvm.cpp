#include "runners/kvm.hpp"

#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "kernels/vm/vm.hpp"
#include "runners/call_probe.hpp"

namespace dmabench::kvm {
namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// An ioctl that must succeed; throws naming it.
long must(int fd, unsigned long request, const char* what, unsigned long arg = 0) {
    long r = ioctl(fd, request, arg);
    if (r < 0) throw std::runtime_error(errno_text(what));
    return r;
}
template <class T> long must(int fd, unsigned long request, const char* what, T* arg) {
    return must(fd, request, what, reinterpret_cast<unsigned long>(arg));
}

void close_fd(int& fd) {
    if (fd >= 0) close(fd);
    fd = -1;
}

int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The watchdog's kick: a handler that does nothing, installed without
// SA_RESTART, so the signal only makes KVM_RUN return EINTR.
constexpr int kKick = SIGUSR2;
void install_kick() {
    static const bool once = [] {
        struct sigaction sa{};
        sa.sa_handler = [](int) {};
        sigemptyset(&sa.sa_mask);
        return sigaction(kKick, &sa, nullptr) == 0;
    }();
    if (!once) throw std::runtime_error(errno_text("sigaction"));
}

// /dev/kvm opened and its API checked; -1 with why set when it cannot be.
int open_kvm(const std::string& device, std::string& why) {
    int fd = open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        why = errno == ENOENT ? "no " + device + " (no KVM here: not built in, or nested virtualisation off)"
                              : errno_text(("cannot open " + device).c_str());
        return -1;
    }
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        why = device + ": not KVM API version " + std::to_string(KVM_API_VERSION);
        close(fd);
        return -1;
    }
    return fd;
}

#if defined(__aarch64__)
uint64_t core_reg(std::size_t offset) {
    return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offset / sizeof(uint32_t));
}
constexpr uint64_t kMidrReg = ARM64_SYS_REG(3, 0, 0, 0, 0);

// The kernel's "kvm [1]: ... mode initialized successfully" line.
std::string kvm_mode_from_log() {
    int bytes = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, nullptr, 0);
    if (bytes <= 0) return "unknown: the kernel log cannot be read (" + std::string(std::strerror(errno)) + ")";
    std::string log(std::size_t(bytes), '\0');
    int got = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log.data(), bytes);
    if (got < 0) return "unknown: the kernel log cannot be read (" + std::string(std::strerror(errno)) + ")";
    log.resize(std::size_t(got));
    for (auto [text, mode] : {std::pair{"Protected nVHE mode initialized", "protected"},
                              {"VHE mode initialized", "vhe"}, {"Hyp mode initialized", "nvhe"}})
        if (log.find(text) != std::string::npos) return mode;
    return "unknown: no 'kvm ... mode initialized' line in the kernel log (rotated out?)";
}

// A vGICv3, else a vGICv2, at the addresses layout.h names; -1 when neither.
int create_gic(int vm, bool test, std::string& why) {
    struct Kind { uint32_t type; const char* name; uint64_t addr_type[2]; uint64_t addr[2]; };
    static const Kind kinds[] = {
        {KVM_DEV_TYPE_ARM_VGIC_V3, "vgic3", {KVM_VGIC_V3_ADDR_TYPE_DIST, KVM_VGIC_V3_ADDR_TYPE_REDIST},
         {DMABENCH_VM_GICD_GPA, DMABENCH_VM_GICR_GPA}},
        {KVM_DEV_TYPE_ARM_VGIC_V2, "vgic2", {KVM_VGIC_V2_ADDR_TYPE_DIST, KVM_VGIC_V2_ADDR_TYPE_CPU},
         {DMABENCH_VM_GICD_GPA, DMABENCH_VM_GICC_GPA}}};
    why = "no in-kernel vGIC: KVM_CREATE_DEVICE refused vGICv3 and vGICv2";
    for (const Kind& k : kinds) {
        kvm_create_device d{.type = k.type, .fd = 0, .flags = test ? uint32_t(KVM_CREATE_DEVICE_TEST) : 0u};
        if (ioctl(vm, KVM_CREATE_DEVICE, &d) < 0) continue;
        why = k.name;
        if (test) return 0;
        for (int i = 0; i < 2; ++i) {
            kvm_device_attr a{.flags = 0, .group = KVM_DEV_ARM_VGIC_GRP_ADDR, .attr = k.addr_type[i],
                              .addr = reinterpret_cast<uint64_t>(&k.addr[i])};
            if (ioctl(int(d.fd), KVM_SET_DEVICE_ATTR, &a) < 0) {
                why = errno_text("vGIC address");
                close(int(d.fd));
                throw std::runtime_error(why);
            }
        }
        return int(d.fd);
    }
    return -1;
}
#endif

#if defined(__x86_64__)
// 32-bit protected mode, flat: every segment base 0, limit 4 GiB; no paging.
void set_flat_mode(int vcpu) {
    kvm_sregs sr;
    must(vcpu, KVM_GET_SREGS, "KVM_GET_SREGS", &sr);
    kvm_segment code{.base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 0xb, .present = 1,
                     .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1, .avl = 0, .unusable = 0, .padding = 0};
    kvm_segment data = code;
    data.selector = 0x10;
    data.type = 0x3;
    sr.cs = code;
    sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
    sr.cr0 |= 1;  // PE
    must(vcpu, KVM_SET_SREGS, "KVM_SET_SREGS", &sr);
    kvm_regs r{};
    r.rip = DMABENCH_VM_CODE_GPA;
    r.rsp = DMABENCH_VM_STACK_TOP;
    r.rflags = 2;
    must(vcpu, KVM_SET_REGS, "KVM_SET_REGS", &r);
}
#endif

}  // namespace

std::string device_path() {
    const char* env = std::getenv("DMABENCH_KVM_DEVICE");
    return env && *env ? env : "/dev/kvm";
}

const char* user_mmio_stat() {
#if defined(__aarch64__)
    return "mmio_exit_user";
#else
    return "mmio_exits";
#endif
}

// A statistic's descriptor as the file holds it, its name following
// (<linux/kvm.h>'s kvm_stats_desc ends in a flexible array, which C++ pads).
struct StatDesc {
    uint32_t flags;
    int16_t exponent;
    uint16_t size;
    uint32_t offset;
    uint32_t bucket_size;
};
static_assert(sizeof(StatDesc) == 16);

std::map<std::string, uint64_t> parse_stats(std::span<const unsigned char> file) {
    auto need = [&](std::size_t at, std::size_t bytes, const char* what) {
        if (at > file.size() || bytes > file.size() - at)
            throw std::runtime_error(std::string("KVM statistics: ") + what + " outside the file");
    };
    kvm_stats_header h;
    need(0, sizeof h, "the header");
    std::memcpy(&h, file.data(), sizeof h);
    const std::size_t stride = sizeof(StatDesc) + h.name_size;
    need(h.desc_offset, std::size_t(h.num_desc) * stride, "the descriptors");
    std::map<std::string, uint64_t> values;
    for (uint32_t i = 0; i < h.num_desc; ++i) {
        const unsigned char* p = file.data() + h.desc_offset + i * stride;
        StatDesc d;
        std::memcpy(&d, p, sizeof d);
        const char* name = reinterpret_cast<const char*>(p + sizeof d);
        need(std::size_t(h.data_offset) + d.offset, sizeof(uint64_t), "a value");
        uint64_t v;
        std::memcpy(&v, file.data() + h.data_offset + d.offset, sizeof v);
        values[std::string(name, strnlen(name, h.name_size))] = v;
    }
    return values;
}

std::map<std::string, uint64_t> Vm::stats() const {
    if (stats_ < 0) return {};
    // The file's size is in no header: read until a read comes back short.
    std::vector<unsigned char> file(4096);
    for (;;) {
        ssize_t got = pread(stats_, file.data(), file.size(), 0);
        if (got < 0) throw std::runtime_error(errno_text("KVM statistics"));
        if (std::size_t(got) < file.size()) {
            file.resize(std::size_t(got));
            return parse_stats(file);
        }
        file.resize(file.size() * 2);
    }
}

// The loaded module whose name starts kvm_ (kvm_intel, kvm_amd, kvm_arm is built in).
std::string kvm_module() {
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/sys/module", ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind("kvm_", 0) == 0) return name;
    }
    return "";
}

// The guest's empty loop, 64 times: an emulator counts each of its instructions.
std::string emulation_evidence(Vm& vm, const std::string& module) {
    constexpr uint64_t n = 64;
    const auto before = vm.stats();
    vm.run(vm::index_of(*vm::op_named("empty")), n);
    const auto after = vm.stats();
    auto a = after.find("insn_emulation"), b = before.find("insn_emulation");
    if (a == after.end() || b == before.end() || a->second - b->second < n) return "";
    return "KVM emulates the guest's every instruction here (" + (module.empty() ? "kvm" : module) +
           "): its insn_emulation statistic rose by " + std::to_string(a->second - b->second) + " over " +
           std::to_string(n) + " iterations of the guest's empty loop";
}

Host probe_host(const std::string& device) {
    Host h;
    int kvm = open_kvm(device, h.skip);
    if (kvm < 0) return h;
    h.module = kvm_module();
    try {
        Vm vm(device);
        h.counter_hz = vm.counter_hz();
        h.midr = vm.midr();
        if (vm.stats().empty()) h.stats_missing = "no KVM binary statistics (KVM_GET_STATS_FD: Linux 5.14 and later)";
        h.emulated = emulation_evidence(vm, h.module);
    } catch (const std::exception& e) {
        h.skip = e.what();
    }
#if defined(__aarch64__)
    h.hypercall = "hvc";
    h.kvm_mode = kvm_mode_from_log();
    int vm = int(ioctl(kvm, KVM_CREATE_VM, 0));
    if (vm >= 0) {
        std::string what;
        if (create_gic(vm, true, what) < 0) h.device_missing = what;
        else h.device = what;
        close(vm);
    }
#else
    auto id = call_probe::read_hypervisor_id();
    const bool amd = id.cpu_vendor == "AuthenticAMD" || id.cpu_vendor == "HygonGenuine";
    h.hypercall = amd ? "vmmcall" : "vmcall";
    h.device = "ioapic";
#endif
    close(kvm);
    return h;
}

const Host& host() {
    static const Host h = probe_host(device_path());
    return h;
}

Vm::Vm(const std::string& device) : thread_(pthread_self()) {
    std::string why;
    try {
        install_kick();
        if ((kvm_ = open_kvm(device, why)) < 0) throw std::runtime_error(why);
        vm_ = int(ioctl(kvm_, KVM_CREATE_VM, 0));
        if (vm_ < 0) throw std::runtime_error(errno_text("KVM_CREATE_VM"));
        load_guest();
        make_vcpu();
        watchdog_ = std::thread([this] { watch(); });
        run(vm::index_of(*vm::op_named("empty")), 0);  // the guest starts: to its first doorbell
    } catch (...) {
        release();
        throw;
    }
}

Vm::~Vm() { release(); }

// Everything the VM holds, given back in order; safe to call twice.
void Vm::release() {
    closing_ = true;
    if (watchdog_.joinable()) watchdog_.join();
    if (run_) munmap(run_, run_bytes_);
    run_ = nullptr;
    for (int* fd : {&gic_, &stats_, &vcpu_, &vm_, &kvm_}) close_fd(*fd);
    if (ram_) munmap(ram_, DMABENCH_VM_RAM_BYTES);  // after the VM: its slot pointed here
    ram_ = nullptr;
}

// The one memory slot, with the guest's image at its start.
void Vm::load_guest() {
    ram_ = mmap(nullptr, DMABENCH_VM_RAM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram_ == MAP_FAILED) {
        ram_ = nullptr;
        throw std::runtime_error(errno_text("guest memory"));
    }
    auto image = vm::image();
    if (image.size() > DMABENCH_VM_CODE_BYTES) throw std::logic_error("the guest image outgrew its pages");
    std::memcpy(ram_, image.data(), image.size());
    kvm_userspace_memory_region slot{.slot = 0, .flags = 0, .guest_phys_addr = DMABENCH_VM_RAM_GPA,
                                     .memory_size = DMABENCH_VM_RAM_BYTES,
                                     .userspace_addr = reinterpret_cast<uint64_t>(ram_)};
    must(vm_, KVM_SET_USER_MEMORY_REGION, "KVM_SET_USER_MEMORY_REGION", &slot);
}

// The vCPU, its kvm_run page, the arch's interrupt controller and registers.
void Vm::make_vcpu() {
#if defined(__x86_64__)
    must(vm_, KVM_SET_TSS_ADDR, "KVM_SET_TSS_ADDR", 0xfffbd000ul);  // VMX wants three pages; unused here
    must(vm_, KVM_CREATE_IRQCHIP, "KVM_CREATE_IRQCHIP");
#endif
    vcpu_ = int(must(vm_, KVM_CREATE_VCPU, "KVM_CREATE_VCPU", 0ul));
    run_bytes_ = std::size_t(must(kvm_, KVM_GET_VCPU_MMAP_SIZE, "KVM_GET_VCPU_MMAP_SIZE"));
    void* p = mmap(nullptr, run_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_, 0);
    if (p == MAP_FAILED) throw std::runtime_error(errno_text("kvm_run mmap"));
    run_ = static_cast<kvm_run*>(p);
#if defined(__x86_64__)
    set_flat_mode(vcpu_);
    long khz = ioctl(vcpu_, KVM_GET_TSC_KHZ, 0);
    tsc_hz_ = khz > 0 ? double(khz) * 1e3 : 0;
#else
    kvm_vcpu_init init{};
    must(vm_, KVM_ARM_PREFERRED_TARGET, "KVM_ARM_PREFERRED_TARGET", &init);
    init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
    must(vcpu_, KVM_ARM_VCPU_INIT, "KVM_ARM_VCPU_INIT", &init);
    uint64_t pc = DMABENCH_VM_CODE_GPA;
    kvm_one_reg reg{.id = core_reg(offsetof(kvm_regs, regs.pc)), .addr = reinterpret_cast<uint64_t>(&pc)};
    must(vcpu_, KVM_SET_ONE_REG, "KVM_SET_ONE_REG pc", &reg);
    std::string why;
    gic_ = create_gic(vm_, false, why);
    if (gic_ >= 0) {
        kvm_device_attr init_gic{.flags = 0, .group = KVM_DEV_ARM_VGIC_GRP_CTRL, .attr = KVM_DEV_ARM_VGIC_CTRL_INIT, .addr = 0};
        must(gic_, KVM_SET_DEVICE_ATTR, "vGIC init", &init_gic);
    }
#endif
    stats_ = int(ioctl(vcpu_, KVM_GET_STATS_FD, 0));  // -1 before Linux 5.14: no statistics
}

// The vCPU's MIDR_EL1 (arm64; 0 elsewhere).
uint64_t Vm::midr() const {
#if defined(__aarch64__)
    uint64_t v = 0;
    kvm_one_reg reg{.id = kMidrReg, .addr = reinterpret_cast<uint64_t>(&v)};
    if (ioctl(vcpu_, KVM_GET_ONE_REG, &reg) == 0) return v;
#endif
    return 0;
}

double Vm::counter_hz() const {
#if defined(__aarch64__)
    uint64_t hz;
    std::memcpy(&hz, static_cast<const unsigned char*>(ram_) + (DMABENCH_VM_SHARED_GPA - DMABENCH_VM_RAM_GPA) +
                         DMABENCH_VM_FIELD_HZ, sizeof hz);
    return double(hz);
#else
    return tsc_hz_;
#endif
}

// Stops a batch that outlives kStuckSeconds: immediate_exit first (a vCPU
// about to enter returns at once), then the kick (one inside KVM_RUN leaves it).
void Vm::watch() {
    while (!closing_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        const int64_t deadline = deadline_ns_.load();
        if (deadline == 0 || now_ns() < deadline || stuck_) continue;
        stuck_ = true;
        run_->immediate_exit = 1;
        pthread_kill(thread_, kKick);
    }
}

Vm::Batch Vm::run(uint32_t op, uint64_t count) {
    if (op >= vm::op_count || !vm::ops[op].here) throw std::logic_error("vm: no such operation here");
    if (count > UINT32_MAX) throw std::logic_error("vm: a batch of more than 2^32 operations");
    auto* shared = static_cast<unsigned char*>(ram_) + (DMABENCH_VM_SHARED_GPA - DMABENCH_VM_RAM_GPA);
    auto field = [shared](int at) { return reinterpret_cast<volatile uint64_t*>(shared + at); };
    *field(DMABENCH_VM_FIELD_OP) = op;
    *field(DMABENCH_VM_FIELD_COUNT) = count;
    deadline_ns_ = now_ns() + int64_t(kStuckSeconds * 1e9);
    enter();
    deadline_ns_ = 0;
    return {*field(DMABENCH_VM_FIELD_T1) - *field(DMABENCH_VM_FIELD_T0), *field(DMABENCH_VM_FIELD_VALUE)};
}

// KVM_RUN until the guest rings the doorbell, serving mmio_user's loads.
void Vm::enter() {
    for (;;) {
        if (ioctl(vcpu_, KVM_RUN, 0) < 0) {
            if (errno != EINTR) throw std::runtime_error(errno_text("KVM_RUN"));
            if (stuck_) {
                deadline_ns_ = 0;
                throw std::runtime_error("the vCPU did not finish a batch within " +
                                         std::to_string(int(kStuckSeconds)) + " s (stuck in the guest): stopped");
            }
            continue;
        }
        switch (run_->exit_reason) {
        case KVM_EXIT_MMIO:
            if (handle_mmio()) return;
            break;
        case KVM_EXIT_INTR: break;
        default:
            throw std::runtime_error("the guest left with KVM exit reason " + std::to_string(run_->exit_reason) +
                                     (run_->exit_reason == KVM_EXIT_INTERNAL_ERROR
                                          ? " (internal error, suberror " + std::to_string(run_->internal.suberror) + ")"
                                          : ""));
        }
    }
}

// True at the doorbell; a load of MMIO_USER is answered with kMmioUserValue.
bool Vm::handle_mmio() {
    auto& m = run_->mmio;
    if (m.phys_addr == DMABENCH_VM_DOORBELL_GPA && m.is_write) {
        ++doorbells_;
        return true;
    }
    if (m.phys_addr == DMABENCH_VM_MMIO_USER_GPA && !m.is_write && m.len <= sizeof(kMmioUserValue)) {
        std::memcpy(m.data, &kMmioUserValue, m.len);
        return false;
    }
    char what[96];
    std::snprintf(what, sizeof what, "the guest touched 0x%llx (%s, %u bytes): no device there",
                  static_cast<unsigned long long>(m.phys_addr), m.is_write ? "write" : "read", m.len);
    throw std::runtime_error(what);
}

}  // namespace dmabench::kvm
