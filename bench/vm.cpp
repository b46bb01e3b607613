// vm/: dmabench as its own minimal VMM (runners/kvm.hpp). One case per row
// of kernels/vm/ops.inc: a hypercall, CPUID's exit, an MMIO exit to dmabench,
// an in-kernel device's register, a call and the empty loop, all timed in
// one guest by one loop.
//
// Method (bench/harness.hpp): one iteration is one operation. A timed batch
// is one KVM_RUN: the guest runs the batch's operations and rings the
// doorbell (one MMIO exit to dmabench per batch, spread over the batch), so
// Time is the mean ns per operation by the host's clock. guest_ns is the
// guest's own figure: its counter (fenced RDTSC, or ISB + CNTVCT_EL0) around
// the operations only, per operation, the median over batches. Every exit is proved by the vCPU's
// KVM statistics: the delta of the operation's kind over the case must equal
// the operations run (exits_per_op), or the case fails naming both counts;
// exits_total_per_op is KVM's count of every exit (host interrupts too).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/harness.hpp"
#include "kernels/vm/vm.hpp"
#include "results/stats.hpp"
#include "runners/kvm.hpp"
#include "runners/probe.hpp"

namespace dmabench {
namespace {

using nlohmann::json;

// DMABENCH_VM_CONTROL=<a control row of ops.inc>: every exit runs that loop
// instead (no_exit: a nop where the instruction was, so its check must fail;
// stuck: a loop the watchdog must stop). The tests' controls; nullptr unset.
const vm::Op* control() {
    const char* v = std::getenv("DMABENCH_VM_CONTROL");
    if (!v || !*v) return nullptr;
    const vm::Op* op = vm::op_named(v);
    if (!op || std::string_view(op->key) != "control")
        throw BadInput(std::string("DMABENCH_VM_CONTROL '") + v + "': accepted: no_exit, stuck, or unset");
    return op;
}

bool is_exit(const vm::Op& op) { return std::string_view(op.key) == "exit"; }
bool is_hypercall(const vm::Op& op) { return op.exit_rank == 0; }

const char* kind_of(const vm::Op& op) {
    if (is_exit(op)) return "exit";
    return std::string_view(op.name) == "direct" ? "call" : "floor";
}

// The register mmio_kernel reads, and what proves the device answered it.
struct Device {
    const char* name;
    uint64_t mask, value;
    const char* what;
};
constexpr Device devices[] = {
    {"vgic3", 0xfff, 0x43b, "GICD_IIDR's implementer, Arm (0x43b)"},
    {"vgic2", 0xfff, 0x43b, "GICD_IIDR's implementer, Arm (0x43b)"},
    {"ioapic", 0xff, 0x11, "the IOAPIC's version (0x11)"},
};
const Device* device_named(const std::string& name) {
    for (const Device& d : devices)
        if (name == d.name) return &d;
    return nullptr;
}

std::string skip_of(const vm::Op& op, const kvm::Host& h) {
    if (!h.skip.empty()) return h.skip;
    if (is_hypercall(op) && h.hypercall != op.name)
        return std::string("this CPU's KVM takes ") + h.hypercall + "; " + op.name +
               " is the other vendor's: it raises #UD, which KVM emulates and may patch in guest memory";
    if (std::string_view(op.name) == "mmio_kernel" && h.device.empty()) return h.device_missing;
    if (!h.emulated.empty() && is_exit(op) && std::string_view(op.name) != "mmio_user")
        return "not a VM exit here: " + h.emulated;
    return "";
}

// What an exit's record says of it: what it is, what proves it, the host.
std::string stamp_of(const vm::Op& op, const kvm::Host& h, const json& hv) {
    std::string s = std::string(op.name) + " in dmabench's own one-vCPU KVM guest";
    if (std::string_view(op.name) == "cpuid")
        s += ": CPUID's VM exit, the hypercall's stand-in where " + h.hypercall + " cannot be measured";
    if (!h.stats_missing.empty()) s += "; " + h.stats_missing + ": exits not checked";
    else if (op.stat == vm::kAllExits)
        s += "; proved by KVM's exits statistic (at least one per operation; x86 has no statistic of its kind)";
    else
        s += std::string("; every exit proved by KVM's ") + op.stat + " statistic";
    if (hv.value("present", false)) s += "; nested: this host is itself a " + hv.value("name", std::string("?")) + " guest";
    if (!h.emulated.empty()) s = "EMULATED (" + h.emulated + "): " + s;
    if (const json& em = probe::platform()["emulated"]; em.value("value", false))
        s = "EMULATED (" + em.value("how", std::string("qemu")) + "): " + s;
    if (const vm::Op* c = control()) s = std::string("CONTROL (DMABENCH_VM_CONTROL=") + c->name + ": " + c->text + "): " + s;
    return s;
}

json tags_of(const vm::Op& op, const kvm::Host& h) {
    const json& hv = probe::platform()["hypervisor"];
    json t = {{"kind", kind_of(op)}, {"vm_op", op.name}, {"host_nested", hv.value("present", false)},
              {"host_hypervisor", hv.value("name", std::string())}, {"guest_counter_hz", h.counter_hz},
              {"kvm_module", h.module}, {"guest_emulated", h.emulated}};
#if defined(__aarch64__)
    char midr[24];
    std::snprintf(midr, sizeof midr, "0x%08llx", static_cast<unsigned long long>(h.midr));
    t["kvm_mode"] = h.kvm_mode;
    t["midr"] = midr;
#endif
    if (is_exit(op)) {
        t["exit_rank"] = op.exit_rank;
        t["exit_stamp"] = stamp_of(op, h, hv);
    }
    return t;
}

// One case's VM and what its batches added up to.
struct Running {
    std::unique_ptr<kvm::Vm> vm;
    const vm::Op* op = nullptr;  // the case's row (its checks)
    uint32_t loop = 0;           // the row the guest runs (no_exit under the control)
    std::string device;
    std::map<std::string, uint64_t> before;
    uint64_t doorbells_before = 0, ops = 0, value = 0;
    std::vector<double> guest_ticks;  // per operation, one per batch
};

void vm_kernel(uint64_t n, void* context) {
    auto* r = static_cast<Running*>(context);
    kvm::Vm::Batch b = r->vm->run(r->loop, n);
    r->ops += n;
    if (n) r->guest_ticks.push_back(double(b.ticks) / double(n));
    r->value = b.value;
}

std::string count_text(const char* stat, uint64_t got, uint64_t ops, uint64_t doorbells) {
    return std::string("KVM's ") + stat + " counted " + std::to_string(got) + " exits for " +
           std::to_string(ops) + " operations" +
           (doorbells ? " and " + std::to_string(doorbells) + " doorbells" : "");
}

// The value the last load read shows who answered it.
void check_value(const Running& r) {
    const std::string_view name = r.op->name;
    if (name == "mmio_user" && r.value != kvm::kMmioUserValue)
        throw std::runtime_error("mmio_user read " + std::to_string(r.value) + ", not dmabench's answer " +
                                 std::to_string(kvm::kMmioUserValue));
    const Device* d = device_named(r.device);
    if (name == "mmio_kernel" && d && (r.value & d->mask) != d->value)
        throw std::runtime_error("mmio_kernel read " + std::to_string(r.value) + ": not " + d->what);
}

// exits_per_op and exits_total_per_op; throws when KVM's count of the
// operation's kind is not the operations run.
void check_exits(benchmark::State& s, const Running& r, const std::map<std::string, uint64_t>& after) {
    auto delta = [&](const std::string& k) {
        auto a = after.find(k), b = r.before.find(k);
        return a == after.end() || b == r.before.end() ? uint64_t(0) : a->second - b->second;
    };
    const uint64_t doorbells = r.vm->doorbells() - r.doorbells_before;
    const double ops = double(r.ops);
    s.counters["exits_total_per_op"] = double(delta(std::string(vm::kAllExits))) / ops;
    const std::string stat = r.op->stat;
    if (stat.empty()) return;
    const bool all = stat == vm::kAllExits;
    const uint64_t own = all || stat == kvm::user_mmio_stat() ? doorbells : 0;  // the doorbells' share
    const uint64_t got = delta(stat);
    s.counters["exits_per_op"] = double(got - std::min(got, own)) / ops;
    if (all ? got < r.ops + own : got != r.ops + own)
        throw std::runtime_error(count_text(stat.c_str(), got, r.ops, own) +
                                 (all ? ": fewer than one per operation" : ": not one per operation"));
    const uint64_t user = delta(kvm::user_mmio_stat());
    if (std::string_view(r.op->name) == "mmio_kernel" && user != doorbells)
        throw std::runtime_error(count_text(kvm::user_mmio_stat(), user, r.ops, doorbells) +
                                 ": the device's loads reached dmabench, not the kernel");
}

void finish(benchmark::State& s, Running& r) {
    const double hz = r.vm->counter_hz();
    // The median over batches: a batch the host preempted counts once, as in Time's _median.
    if (hz > 0 && !r.guest_ticks.empty()) s.counters["guest_ns"] = results::quantile(r.guest_ticks, 0.5) / hz * 1e9;
    auto after = r.vm->stats();
    if (!after.empty()) check_exits(s, r, after);
    check_value(r);
}

// Operations per batch: enough that the batch's one doorbell (a round trip
// to dmabench) is at most 1 % of it. By the host's clock: the doorbell alone
// (a batch of none), then batches growing eightfold until one lasts twice that.
constexpr uint64_t kMaxBatch = uint64_t(1) << 24;
constexpr double kDoorbellShare = 0.01;

struct Sizing {
    uint64_t batch;
    double doorbell_ns;
};
Sizing size_batch(kvm::Vm& vm, uint32_t loop) {
    auto once = [&](uint64_t n) {
        auto t0 = std::chrono::steady_clock::now();
        vm.run(loop, n);
        return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    };
    // The faster of two: a first run can be slow for reasons that do not
    // recur (qemu translating the loop, a page fault), as the harness's pilot.
    auto timed = [&](uint64_t n) { return std::min(once(n), once(n)); };
    const double door = std::min(timed(0), timed(0));
    uint64_t n = 1;
    double ns = timed(n);
    while (ns < 2 * door && n < kMaxBatch) ns = timed(n *= 8);
    const double per_op = std::max(ns - door, 0.0) / double(n);
    const double want = per_op > 0 ? std::ceil(door / kDoorbellShare / per_op) : double(kMaxBatch);
    return {std::clamp(uint64_t(want), uint64_t(1), kMaxBatch), door};
}

Work setup(const vm::Op& op, const std::string& device) {
    auto r = std::make_shared<Running>();
    r->vm = std::make_unique<kvm::Vm>(kvm::device_path());
    r->op = &op;
    const vm::Op* stand_in = is_exit(op) ? control() : nullptr;
    r->loop = vm::index_of(stand_in ? *stand_in : op);
    r->device = device;
    // Found once per case and kept: Google Benchmark wants every repetition
    // of a case to run batches of one size.
    static std::map<const vm::Op*, Sizing> found;
    auto it = found.find(&op);
    const Sizing sized = it != found.end() ? it->second : (found[&op] = size_batch(*r->vm, r->loop));
    r->before = r->vm->stats();
    r->doorbells_before = r->vm->doorbells();
    return Work{.kernel = vm_kernel, .context = r.get(), .batch = sized.batch,
                .figures = {{"doorbell_ns", sized.doorbell_ns}},
                .finish = [r](benchmark::State& s, const Timing&) { finish(s, *r); }, .keep = r};
}

void register_vm(Registry& r) {
    const kvm::Host& h = kvm::host();
    for (const vm::Op& op : vm::ops) {
        if (!op.here || std::string_view(op.key) == "control") continue;
        Case c{.family = "vm", .args = {{op.key, op.name}}, .op = "op", .skip = skip_of(op, h),
               .tags = tags_of(op, h)};
        const bool kernel_device = std::string_view(op.name) == "mmio_kernel";
        const std::string device = !h.device.empty() ? h.device :
#if defined(__aarch64__)
                                                     "vgic3";
#else
                                                     "ioapic";
#endif
        if (kernel_device) c.args.emplace_back("dev", device);
        r.variant({"vm/" + std::string(op.key) + ":" + op.name, op.text, c.skip});
        if (c.skip.empty()) c.setup = [&op, device](benchmark::State&, Thread&) { return setup(op, device); };
        r.add(std::move(c));
    }
}

}  // namespace
DMABENCH_FAMILY(vm, register_vm);
}  // namespace dmabench
