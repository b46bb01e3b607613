// kmod/: what only the kernel can time, through /dev/dmabench
// (kernels/kmod/dmabench.ko): a hypercall against a call at EL1, the kernel's
// dma_map/dma_unmap on a coherent and a non-coherent device, and the
// kernel's own cache maintenance; in a Xen domain, a Xen hypercall against a
// call and (dom0) GNTTABOP_cache_flush against dom0's own maintenance, and
// dom0's DMA ops on a page another domain grants against one of its own.
//
// Method: the module times batches of operations with the architecture's
// counter (CNTVCT_EL0 between ISBs, RDTSC between LFENCEs) and returns
// per-sample statistics. One Google Benchmark iteration is one operation (a
// call, a map+unmap pair, one buffer's maintenance): each harness batch is
// one ioctl of kSamples samples, and its time is the module's own mean per
// operation times the operations (self-timed: the module's clock, not the
// ioctl's round trip), so Time is the module's mean ns per operation
// (= ns_per_<op>). Counters give min/median/mean/max per operation in
// counter ticks and ns over all ioctls. PMU counts cover the ioctls, per
// operation (the module's untimed work, such as dirtying buffers, is
// included there).
//
// Without the module every case is listed and skipped with the reason.
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench/harness.hpp"
#include "runners/kmod_probe.hpp"
#include "runners/probe.hpp"

namespace dmabench {
namespace {

constexpr uint32_t kCallBatch = 32;
constexpr uint64_t kSizes[] = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

// Per-op counters for one operation: <op>_ticks_min ... <op>_ns_max.
void put(benchmark::State& s, const std::string& op, const kmod::OpStats& o) {
    const std::pair<const char*, double> v[] = {
        {"_ticks_min", o.ticks_min}, {"_ticks_median", o.ticks_median},
        {"_ticks_mean", o.ticks_mean}, {"_ticks_max", o.ticks_max},
        {"_ns_min", o.ns_min}, {"_ns_median", o.ns_median},
        {"_ns_mean", o.ns_mean}, {"_ns_max", o.ns_max}};
    for (auto& [suffix, value] : v) s.counters[op + suffix] = value;
}

constexpr uint32_t kSamples = 64;  // per ioctl: one harness batch

int do_ioctl(unsigned long cmd, void* req) {
    return ioctl(kmod::device().fd, cmd, req) == 0 ? 0 : errno;
}

// One run of one ioctl kind: each harness batch is one ioctl of kSamples
// samples of `batch` operations; the parts of every ioctl are kept.
struct Ioctls {
    const char* what;
    uint32_t batch = 1;
    // One ioctl; pushes each operation's stats into parts; 0 or an errno.
    std::function<int(uint32_t samples)> io;
    std::vector<std::vector<dmabench_stats>> parts;  // per operation the request times
    std::size_t timed = 1;  // the first `timed` parts add up to one operation (map + unmap)
    double last_seconds = 0;
};

void ioctl_kernel(uint64_t n, void* context) {
    auto* k = static_cast<Ioctls*>(context);
    if (int err = k->io(uint32_t(n / k->batch)))
        throw std::runtime_error(std::string(k->what) + " on " DMABENCH_DEVICE ": " + std::strerror(err));
    double ns = 0;
    for (std::size_t i = 0; i < k->timed; ++i) ns += kmod::combine({k->parts[i].back()}).ns_mean;
    k->last_seconds = ns * 1e-9 * double(n);
}

// The work of one case: its ioctl, and its counters from every ioctl's parts.
Work ioctl_work(std::shared_ptr<Ioctls> k, std::vector<std::string> ops,
                std::function<void(benchmark::State&, const std::vector<kmod::OpStats>&)> more) {
    return Work{.kernel = ioctl_kernel, .context = k.get(), .batch = uint64_t(kSamples) * k->batch,
                .own_seconds = [k = k.get()] { return k->last_seconds; },
                .finish = [k = k.get(), ops, more](benchmark::State& s, const Summary&) {
                    std::vector<kmod::OpStats> stats;
                    for (std::size_t i = 0; i < ops.size(); ++i) {
                        stats.push_back(kmod::combine(k->parts[i]));
                        put(s, ops[i], stats.back());
                    }
                    s.counters["batch"] = k->batch;
                    s.counters["counter_hz"] = double(kmod::device().info.counter_hz);
                    if (more) more(s, stats);
                },
                .keep = k};
}

// ---- call and hypercall ----

Work calls_work(bool hypercall) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_CALL", .batch = kCallBatch});
    k->parts.resize(3);  // the timed op first: hypercall or call; then the other and the timer
    auto ret = std::make_shared<int64_t>(0);
    k->io = [k = k.get(), hypercall, ret](uint32_t samples) {
        dmabench_call_req r{};
        r.samples = samples;
        r.batch = kCallBatch;
        if (int e = do_ioctl(DMABENCH_IOC_CALL, &r)) return e;
        k->parts[0].push_back(hypercall ? r.hypercall : r.call);
        k->parts[1].push_back(hypercall ? r.call : r.hypercall);
        k->parts[2].push_back(r.timer);
        *ret = r.hypercall_ret;
        return 0;
    };
    // ioctl_work puts the timed op's counters; the timer and, for a hypercall, the call here.
    auto w = ioctl_work(k, {hypercall ? "hypercall" : "call"}, [k = k.get(), hypercall, ret](
                            benchmark::State& s, const std::vector<kmod::OpStats>& st) {
        // A sample's fixed cost (two counter reads), whole: a batch carries 1/batch of it.
        s.counters["timer_ns_median"] = kmod::combine(k->parts[2]).ns_median;
        if (!hypercall) return;
        kmod::OpStats c = kmod::combine(k->parts[1]);
        put(s, "call", c);
        s.counters["ratio_to_call"] = c.ns_median > 0 ? st[0].ns_median / c.ns_median : 0;
        s.counters["hypercall_ret"] = double(*ret);
        s.counters["hypercall_fn"] = double(kmod::device().info.hypercall_fn);
    });
    return w;
}

// ---- dma_map ----

struct MapCase {
    uint32_t api, dir, coherent, state;
    uint64_t size;
};

Work map_work(MapCase m) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_MAP",
                                             .batch = kmod::batch_for(m.size, kmod::device().info.page_size)});
    k->parts.resize(2);  // a map and its unmap: a pair
    k->timed = 2;
    k->io = [k = k.get(), m](uint32_t samples) {
        dmabench_map_req r{};
        r.size = m.size, r.samples = samples, r.batch = k->batch;
        r.dir = m.dir, r.api = m.api, r.coherent = m.coherent, r.state = m.state;
        if (int e = do_ioctl(DMABENCH_IOC_MAP, &r)) return e;
        k->parts[0].push_back(r.map), k->parts[1].push_back(r.unmap);
        return 0;
    };
    return ioctl_work(k, {"map", "unmap"}, [m](benchmark::State& s, const std::vector<kmod::OpStats>&) {
        s.counters["bytes"] = double(m.size);
    });
}

// ---- cache ----

Work cache_work(uint32_t op, uint64_t size, uint32_t state) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_CACHE",
                                             .batch = kmod::batch_for(size, kmod::device().info.page_size)});
    k->parts.resize(1);
    auto direct = std::make_shared<uint32_t>(0);
    k->io = [k = k.get(), op, size, state, direct](uint32_t samples) {
        dmabench_cache_req r{};
        r.size = size, r.samples = samples, r.batch = k->batch, r.op = op, r.state = state;
        if (int e = do_ioctl(DMABENCH_IOC_CACHE, &r)) return e;
        k->parts[0].push_back(r.op_stats);
        *direct = r.direct;
        return 0;
    };
    return ioctl_work(k, {"cache"}, [size, direct](benchmark::State& s, const std::vector<kmod::OpStats>&) {
        s.counters["bytes"] = double(size);
        s.counters["direct"] = *direct;
    });
}

// ---- devmap: through the bound device's own DMA ops (--device), as dma_map_benchmark ----

struct DevmapCase {
    uint32_t mode, entries, granule, threads, dir, batch;
    uint64_t bytes;  // per mapping: entries x granule pages
    uint32_t dma_bits, delay_ns, on_node;  // 0: as bound, none, any CPU
};

// One Google Benchmark iteration is one map and its unmap (of a page run, or
// of an sg list), by one of the kernel threads; Time is their mean per op.
Work devmap_work(DevmapCase m) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_DEVMAP", .batch = m.batch});
    k->parts.resize(2);
    k->timed = 2;
    k->io = [k = k.get(), m](uint32_t samples) {
        dmabench_devmap_req r{};
        r.samples = samples, r.batch = k->batch, r.threads = m.threads, r.granule = m.granule;
        r.mode = m.mode, r.entries = m.entries, r.dir = m.dir;
        r.dma_bits = m.dma_bits, r.delay_ns = m.delay_ns, r.on_node = m.on_node;
        if (int e = do_ioctl(DMABENCH_IOC_DEVMAP, &r)) return e;
        k->parts[0].push_back(r.map), k->parts[1].push_back(r.unmap);
        return 0;
    };
    return ioctl_work(k, {"map", "unmap"}, [m](benchmark::State& s, const std::vector<kmod::OpStats>& st) {
        s.counters["map_ns_p99"] = st[0].ns_p99;
        s.counters["unmap_ns_p99"] = st[1].ns_p99;
        s.counters["bytes"] = double(m.bytes);
        s.counters["threads"] = m.threads;
        s.counters["entries"] = m.entries;
    });
}

void register_devmap(Registry& r, const kmod::Device& dev, const Options& o) {
    dmabench_device d{};
    std::string skip = dev.skip;
    if (skip.empty() && !kmod::current_device(d)) skip = "DMABENCH_IOC_DEVICE: " + std::string(std::strerror(errno));
    // The domain is in the name, so strict and lazy never share one. One
    // phase per domain the cases run in: the one as bound, or with --domain
    // each, the group put in it now for its own stamp or the reason it cannot
    // be; each case then puts the group back in its own (kmod::use_domain).
    struct Phase {
        std::string domain, switch_to, skip;  // switch_to: "" as bound
        nlohmann::json stamp;
    };
    const nlohmann::json stamp = skip.empty() ? kmod::device_json(d) : nlohmann::json();
    std::vector<Phase> phases;
    if (o.domains.empty()) phases.push_back({skip.empty() ? kmod::domain_name(d.domain) : "none", "", skip, stamp});
    for (auto& domain : o.domains) {
        dmabench_device now{};
        std::string why = skip.empty() ? kmod::use_domain(domain, now) : skip;
        phases.push_back({domain, domain, why.empty() || !skip.empty() ? why : "--domain " + domain + ": " + why,
                          why.empty() ? kmod::device_json(now) : stamp});
    }
    std::string what = !skip.empty() ? std::string("the bound device")
                       : stamp["name"].get<std::string>() +
                             (o.domains.empty() ? " (" + stamp["dma_ops"].get<std::string>() + ", IOMMU domain " +
                                                      phases[0].domain + ")"
                                                : std::string(" (its group switched to each --domain)"));
    r.variant({"kmod/devmap", "dma_map_page or dma_map_sg (16 entries) and unmap from pinned kernel threads "
                              "through " + what + "'s own DMA ops, as dma_map_benchmark; --device names "
                              "the device (default: the module's own platform device)", skip});
    const uint32_t page = skip.empty() ? dev.info.page_size : 4096;
    std::vector<uint32_t> threads{1};
    if (o.threads > 1) threads.push_back(std::min<uint32_t>(o.threads, DMABENCH_MAX_THREADS));
    std::vector<uint32_t> dirs{DMABENCH_DIR_TO_DEVICE};
    if (o.full) dirs = {DMABENCH_DIR_TO_DEVICE, DMABENCH_DIR_FROM_DEVICE, DMABENCH_DIR_BIDIRECTIONAL};
    const uint32_t on_node = o.mem_node >= 0 ? uint32_t(o.mem_node) + 1 : 0;
    for (const Phase& ph : phases)
        for (uint32_t mode : {DMABENCH_MODE_SINGLE, DMABENCH_MODE_SG})
            for (uint64_t want : {uint64_t(4096), uint64_t(65536)}) {
                const uint32_t granule = uint32_t(std::max<uint64_t>(1, want / page));
                if (want == 65536 && granule == 1) continue;  // 64 KiB pages: 4 KiB is the same point
                for (uint32_t t : threads)
                    for (uint32_t dir : dirs) {
                        const uint32_t entries = mode == DMABENCH_MODE_SG ? 16 : 1;
                        const uint64_t bytes = uint64_t(entries) * granule * page;
                        DevmapCase m{mode, entries, granule, t, dir, kmod::devmap_batch(bytes, t), bytes,
                                     o.dma_bits, o.delay_ns, on_node};
                        Args args{{"domain", ph.domain}, {"mode", mode == DMABENCH_MODE_SG ? "sg" : "single"},
                                  {"threads", t}, {"granule", granule}, {"dir", kmod::dir_name(dir)},
                                  {"size", bytes}};
                        // dma_map_benchmark's other knobs name the case only when set.
                        if (o.dma_bits) args.push_back({"dma_bits", o.dma_bits});
                        if (o.delay_ns) args.push_back({"delay_ns", o.delay_ns});
                        if (on_node) args.push_back({"node", o.mem_node});
                        Case c{.family = "kmod", .variant = "devmap", .args = std::move(args), .op = "pair",
                               .skip = ph.skip,
                               .tags = {{"kind", "kernel"}, {"device", ph.stamp}, {"entries", entries},
                                        {"dma_bits", o.dma_bits}, {"delay_ns", o.delay_ns}}};
                        if (skip.empty() && m.batch == 0) c.skip = "one mapping per thread exceeds the module's 64 MiB";
                        if (c.skip.empty())
                            c.setup = [m, domain = ph.switch_to](benchmark::State&, Thread&) {
                                dmabench_device now{};
                                if (std::string why = domain.empty() ? "" : kmod::use_domain(domain, now); !why.empty())
                                    throw std::runtime_error("--domain " + domain + ": " + why);
                                return devmap_work(m);
                            };
                        r.add(std::move(c));
                    }
            }
}

// ---- Xen (dmabench.ko's xen.c): the hypercall, and a flush through it ----

Work xen_call_work() {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_XEN_CALL", .batch = kCallBatch});
    k->parts.resize(2);  // the hypercall (timed), the empty call beside it
    auto version = std::make_shared<int64_t>(0);
    k->io = [k = k.get(), version](uint32_t samples) {
        dmabench_xen_call_req r{};
        r.samples = samples, r.batch = kCallBatch;
        if (int e = do_ioctl(DMABENCH_IOC_XEN_CALL, &r)) return e;
        k->parts[0].push_back(r.hypercall), k->parts[1].push_back(r.call);
        *version = r.version;
        return 0;
    };
    return ioctl_work(k, {"hypercall"}, [k = k.get(), version](benchmark::State& s,
                                                               const std::vector<kmod::OpStats>& st) {
        kmod::OpStats c = kmod::combine(k->parts[1]);
        put(s, "call", c);
        s.counters["ratio_to_call"] = c.ns_median > 0 ? st[0].ns_median / c.ns_median : 0;
        s.counters["xen_version"] = double(*version);  // major << 16 | minor
    });
}

// One buffer per sample: its hypercalls timed, dom0's own maintenance beside.
Work gnttab_flush_work(uint32_t op, uint64_t size, uint32_t per_call) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_GNTTAB_FLUSH"});
    k->parts.resize(2);  // the hypercalls (timed), the local maintenance
    struct Failed { uint64_t ops = 0; int32_t first = 0; };
    auto failed = std::make_shared<Failed>();
    k->io = [k = k.get(), op, size, per_call, failed](uint32_t samples) {
        dmabench_gnttab_flush_req r{};
        r.size = size, r.samples = samples, r.op = op, r.per_call = per_call;
        if (int e = do_ioctl(DMABENCH_IOC_GNTTAB_FLUSH, &r)) return e;
        k->parts[0].push_back(r.hypercall), k->parts[1].push_back(r.local);
        failed->ops += r.failed_ops;
        if (!failed->first) failed->first = r.first_status;
        return 0;
    };
    return ioctl_work(k, {"hypercall"}, [k = k.get(), size, failed](benchmark::State& s,
                                                                    const std::vector<kmod::OpStats>& st) {
        kmod::OpStats l = kmod::combine(k->parts[1]);
        put(s, "local", l);
        s.counters["ratio_to_local"] = l.ns_median > 0 ? st[0].ns_median / l.ns_median : 0;
        s.counters["bytes"] = double(size);
        s.counters["failed_ops"] = double(failed->ops);
        // Linux ignores the answer; a failed flush must not pass as a cheap one.
        if (failed->ops)
            s.SkipWithError((std::to_string(failed->ops) + " GNTTABOP_cache_flush ops failed (first: " +
                             std::to_string(failed->first) + ")").c_str());
    });
}

// One page another domain grants dom0 (mapped once per ioctl), and one of
// dom0's own, each mapped and unmapped through the bound device: the request
// times both pages, alternating which goes first; a case keeps its own page's.
struct XenPage {
    bool foreign;
    uint32_t dir, coherent, domid, gref;
};
constexpr uint32_t kXenBatch = 8;  // maps of the one page per sample

Work xen_devmap_work(XenPage m) {
    auto k = std::make_shared<Ioctls>(Ioctls{.what = "DMABENCH_IOC_XEN_FOREIGN", .batch = kXenBatch});
    k->parts.resize(2);  // a map and its unmap: a pair
    k->timed = 2;
    auto last = std::make_shared<dmabench_xen_foreign_req>();
    const std::string grant = std::to_string(m.domid) + ":" + std::to_string(m.gref);
    k->io = [k = k.get(), m, last, grant](uint32_t samples) {
        dmabench_xen_foreign_req r{};
        r.samples = samples, r.batch = k->batch, r.dir = m.dir, r.coherent = m.coherent;
        r.domid = m.domid, r.gref = m.gref;
        if (int e = do_ioctl(DMABENCH_IOC_XEN_FOREIGN, &r)) {
            if (e == ENOENT)  // the module answers no status then: it logs Xen's
                throw std::runtime_error("--xen-grant " + grant + ": dom0 could not map the grant "
                                         "(Xen's GNTST_* answer is in dmesg)");
            return e;
        }
        k->parts[0].push_back(m.foreign ? r.foreign_map : r.local_map);
        k->parts[1].push_back(m.foreign ? r.foreign_unmap : r.local_unmap);
        *last = r;
        return 0;
    };
    return ioctl_work(k, {"map", "unmap"}, [m, last, grant](benchmark::State& s,
                                                           const std::vector<kmod::OpStats>&) {
        const dmabench_xen_foreign_req& r = *last;
        // Grant-table hypercalls in the last ioctl's warm-up batch (kept out of the
        // times: the kprobe costs); -1: not counted (no kprobe).
        auto per = [](int32_t n) { return n < 0 ? -1.0 : double(n) / kXenBatch; };
        s.counters["hypercalls_per_map"] = per(m.foreign ? r.hypercalls_foreign_map : r.hypercalls_local_map);
        s.counters["hypercalls_per_unmap"] = per(m.foreign ? r.hypercalls_foreign_unmap : r.hypercalls_local_unmap);
        s.counters["translated"] = m.foreign && r.translated;  // its bus frame is not one of dom0's
        s.counters["grant_status"] = r.grant_status;
        // A grant that did not map must not pass as a cheap page.
        if (r.grant_status)
            s.SkipWithError(("--xen-grant " + grant + ": GNTST status " + std::to_string(r.grant_status)).c_str());
    });
}

// "Xen 4.17 dom0, EMULATED (qemu TCG)": what each Xen result is stamped with;
// empty with the reason in skip when the module answers no Xen request here.
struct XenHere {
    std::string stamp, skip, flush_skip;
    bool dom0 = false;
};

XenHere xen_here(const kmod::Device& dev) {
    XenHere x;
    if (!dev.skip.empty()) return x.skip = x.flush_skip = dev.skip, x;
    dmabench_xen_call_req c{};
    c.samples = 1, c.batch = 1;
    if (int e = do_ioctl(DMABENCH_IOC_XEN_CALL, &c))
        return x.skip = x.flush_skip = e == EOPNOTSUPP ? "not a Xen domain (or a kernel without CONFIG_XEN)"
                                                       : std::string("DMABENCH_IOC_XEN_CALL: ") + std::strerror(e),
               x;
    dmabench_gnttab_flush_req f{};
    f.size = 64, f.samples = 1, f.per_call = 1;
    x.dom0 = do_ioctl(DMABENCH_IOC_GNTTAB_FLUSH, &f) == 0;
    if (!x.dom0) x.flush_skip = "GNTTABOP_cache_flush takes machine addresses: dom0 on arm64 only";
    bool emulated = probe::platform().value("emulated", nlohmann::json::object()).value("value", false);
    x.stamp = "Xen " + std::to_string(c.version >> 16) + "." + std::to_string(c.version & 0xffff) +
              (x.dom0 ? " dom0, " : " domU, ") + (emulated ? "EMULATED (qemu TCG)" : "hardware");
    return x;
}

void register_xen(Registry& r, const kmod::Device& dev, const Options& o) {
    const bool quick = o.quick;
    XenHere x = xen_here(dev);
    auto add_xen = [&](std::string variant, Args args, const char* op, const std::string& skip,
                       std::function<Work()> work) {
        Case c{.family = "kmod", .variant = std::move(variant), .args = std::move(args), .op = op,
               .skip = skip, .tags = {{"kind", "kernel"}, {"platform", x.stamp}}};
        if (skip.empty()) c.setup = [work](benchmark::State&, Thread&) { return work(); };
        r.add(std::move(c));
    };
    r.variant({"kmod/xen_version", "HYPERVISOR_xen_version(XENVER_version, NULL), the cheapest Xen "
                                   "hypercall, beside a call of an empty function: " + x.stamp, x.skip});
    add_xen("xen_version", {}, "call", x.skip, [] { return xen_call_work(); });
    // The review's own hypercall: a way out for hypercall-vs-call (bench/call.cpp ranks them).
    r.tag_last({{"kind", "exit"}, {"exit_rank", 2}, {"exit_stamp", "HYPERVISOR_xen_version from dom0's "
                                                                   "kernel: " + x.stamp}});
    r.variant({"kmod/gnttab_flush", "GNTTABOP_cache_flush over one buffer, one op per page, per_call ops "
                                    "per hypercall (1: as Linux issues it), every answer checked; beside "
                                    "dom0's own maintenance of the same bytes: " + x.stamp, x.flush_skip});
    for (uint32_t op : {DMABENCH_CACHE_CLEAN, DMABENCH_CACHE_INVAL, DMABENCH_CACHE_CLEAN_INVAL})
        for (uint64_t size : kSizes) {
            if (quick && size != 64 && size != 4096 && size != 65536) continue;
            uint32_t pages = uint32_t((size + 4095) / 4096);
            for (uint32_t per : {1u, std::min(pages, DMABENCH_MAX_ENTRIES)}) {
                add_xen("gnttab_flush", {{"op", kmod::cache_op_name(op)}, {"size", size}, {"per_call", per}},
                        "buffer", x.flush_skip, [op, size, per] { return gnttab_flush_work(op, size, per); });
                if (pages == 1) break;  // one page: per_call N is per_call 1
            }
        }
    // dom0's Xen DMA ops come with a PCI device the module binds; the request
    // always maps the grant, so dom0's own page needs one too.
    dmabench_device d{};
    const std::string page_skip =
        !x.skip.empty() ? x.skip
        : !x.dom0       ? "maps another domain's grant for DMA: dom0 on arm64 only"
        : !kmod::current_device(d) || !(d.flags & DMABENCH_DEVICE_NAMED)
            ? "needs --device: dom0's Xen DMA ops (xen-swiotlb) come with a PCI device the module binds"
        : !o.xen_domid ? "needs --xen-grant DOMID:GREF, a page another domain grants dom0: dom0's own page "
                         "is timed beside it, in the same request"
                       : "";
    const nlohmann::json stamp = page_skip.empty() ? kmod::device_json(d) : nlohmann::json();
    const std::string through = page_skip.empty() ? stamp["name"].get<std::string>() + " (" +
                                                        stamp["dma_ops"].get<std::string>() + ")"
                                                  : std::string("the bound device");
    r.variant({"kmod/xen_devmap", "dma_map_page and unmap of one page through " + through + "'s own DMA "
                                  "ops, a page another domain grants dom0 (--xen-grant) beside one of dom0's "
                                  "own; coherent:no clears dev->dma_coherent, so Xen maintains the granted "
                                  "page's caches (GNTTABOP_cache_flush) and dom0 its own: " + x.stamp,
               page_skip});
    const uint32_t page = dev.skip.empty() ? dev.info.page_size : 4096;
    std::vector<uint32_t> coherence{0};
    if (!quick) coherence.push_back(1);
    for (uint32_t coherent : coherence)
        for (uint32_t dir : {DMABENCH_DIR_BIDIRECTIONAL, DMABENCH_DIR_TO_DEVICE, DMABENCH_DIR_FROM_DEVICE})
            for (bool foreign : {true, false}) {
                XenPage m{foreign, dir, coherent, o.xen_domid, o.xen_gref};
                add_xen("xen_devmap", {{"page", foreign ? "foreign" : "local"}, {"size", page},
                                       {"dir", kmod::dir_name(dir)}, {"coherent", coherent ? "yes" : "no"}},
                        "pair", page_skip, [m] { return xen_devmap_work(m); });
                r.tag_last({{"device", stamp}});
            }
}

// ---- the table ----

const char* state_name(uint32_t st) { return st == DMABENCH_STATE_DIRTY ? "dirty" : "clean"; }

// Why a cache operation the module offers no path for cannot run.
std::string cache_unreachable(uint32_t op, bool x86) {
    static const char* const arm64[DMABENCH_CACHE_OPS] = {
        "dcache_clean_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_inval_poc is not exported and there is no non-coherent DMA to reach it",
        "dcache_clean_inval_poc is not exported to modules by this kernel, and no dma_sync_* "
        "cleans and invalidates on arm64",
        "caches_clean_inval_pou is not exported by this kernel"};
    static const char* const x86_64[DMABENCH_CACHE_OPS] = {
        "arch_wb_cache_pmem is not exported by this kernel",
        "x86 has no invalidate-only operation a module may use (WBINVD is the whole cache)",
        "clflush_cache_range is not exported by this kernel",
        "arm64 only (clean to the point of unification)"};
    return (x86 ? x86_64 : arm64)[op];
}

// One case of the family: its setup only when it can run.
void add(Registry& r, std::string variant, Args args, const char* op, std::string skip,
         std::function<Work()> work) {
    Case c{.family = "kmod", .variant = std::move(variant), .args = std::move(args), .op = op,
           .skip = std::move(skip), .tags = {{"kind", "kernel"}}};
    if (c.skip.empty()) c.setup = [work](benchmark::State&, Thread&) { return work(); };
    r.add(std::move(c));
}

void register_calls(Registry& r, const kmod::Device& dev) {
    std::string hz = dev.skip.empty() ? " (counter " + std::to_string(dev.info.counter_hz) + " Hz)" : "";
    std::string hyper_skip = dev.skip;
    if (hyper_skip.empty() && dev.info.conduit == DMABENCH_CONDUIT_NONE) hyper_skip = dev.hypercall_note();
    r.variant({"kmod/call", "a call to a non-inlined empty function in the kernel, timed in batches of 32 "
                            "between counter reads" + hz, dev.skip});
    r.variant({"kmod/hypercall", "the cheapest SMCCC/KVM hypercall through the kernel's helpers, next to "
                                 "kmod/call: " + (dev.skip.empty() ? dev.hypercall_note() : std::string("?")),
               hyper_skip});
    add(r, "call", {}, "call", dev.skip, [] { return calls_work(false); });
    add(r, "hypercall", {}, "call", hyper_skip, [] { return calls_work(true); });
    r.tag_last({{"kind", "exit"}, {"exit_rank", 3},
                {"exit_stamp", "the module's SMCCC call from EL1" +
                                   (dev.skip.empty() ? ": " + dev.hypercall_note() : std::string())}});
}

// dma_map: api x size x direction x coherence x line state, as a list of points first.
void register_maps(Registry& r, const kmod::Device& dev, bool quick) {
    const bool x86 = dev.info.arch == DMABENCH_ARCH_X86_64;
    struct Api { uint32_t api; const char* variant; const char* description; };
    const Api apis[] = {
        {DMABENCH_API_PAGE, "dma_map_page", "dma_map_page() then dma_unmap_page() on the module's "
                                            "platform device (dma-direct), batch distinct buffers"},
        {DMABENCH_API_SINGLE, "dma_map_single", "dma_map_single() then dma_unmap_single() (adds "
                                                "virt_to_page) on the module's platform device"},
    };
    std::string noncoherent_skip = dev.skip;
    if (noncoherent_skip.empty() && !(dev.info.flags & DMABENCH_INFO_NONCOHERENT))
        noncoherent_skip = x86 ? "x86 DMA is always coherent (no dev->dma_coherent to clear)"
                               : "this kernel has no non-coherent DMA (dev->dma_coherent)";
    std::vector<std::pair<const Api*, MapCase>> points;
    for (auto& a : apis) {
        r.variant({std::string("kmod/") + a.variant,
                   std::string(a.description) + "; coherent:no runs the kernel's clean/invalidate", dev.skip});
        const bool single = a.api == DMABENCH_API_SINGLE;
        for (uint64_t size : kSizes)
            for (uint32_t dir : {DMABENCH_DIR_TO_DEVICE, DMABENCH_DIR_FROM_DEVICE, DMABENCH_DIR_BIDIRECTIONAL})
                for (uint32_t coherent : {1u, 0u})
                    for (uint32_t state : {DMABENCH_STATE_DIRTY, DMABENCH_STATE_CLEAN}) {
                        const bool in_quick = (single ? size == 4096 && dir == DMABENCH_DIR_TO_DEVICE
                                                      : size == 64 || size == 4096 || size == 65536) &&
                                              state == DMABENCH_STATE_DIRTY;
                        if (!quick || in_quick) points.push_back({&a, {a.api, dir, coherent, state, size}});
                    }
    }
    for (auto& [a, m] : points)
        add(r, a->variant,
            {{"size", m.size}, {"dir", kmod::dir_name(m.dir)}, {"coherent", m.coherent ? "yes" : "no"},
             {"state", state_name(m.state)}},
            "pair", m.coherent ? dev.skip : noncoherent_skip, [m = m] { return map_work(m); });
}

// cache: the kernel's own routine when exported, else the DMA sync path.
void register_caches(Registry& r, const kmod::Device& dev, bool quick) {
    const bool x86 = dev.info.arch == DMABENCH_ARCH_X86_64;
    const char* op_what[DMABENCH_CACHE_OPS] = {
        "clean to the point of coherency", "invalidate to the point of coherency",
        "clean and invalidate to the point of coherency",
        "clean D to the point of unification and invalidate I (caches_clean_inval_pou)"};
    for (uint32_t op = 0; op < DMABENCH_CACHE_OPS; ++op) {
        std::string variant = std::string("cache_") + kmod::cache_op_name(op);
        bool runs = dev.skip.empty() && (dev.info.cache_ops & (1u << op));
        bool direct = dev.info.cache_direct & (1u << op);
        std::string skip = !dev.skip.empty() ? dev.skip : runs ? "" : cache_unreachable(op, x86);
        std::string how = !runs ? "" : direct ? " by the kernel's own routine"
                                              : " through dma_sync_single_for_{device,cpu} on a non-coherent "
                                                "device (the routine is not exported)";
        r.variant({"kmod/" + variant, std::string(op_what[op]) + how, skip});
        for (uint64_t size : kSizes)
            for (uint32_t state : {DMABENCH_STATE_DIRTY, DMABENCH_STATE_CLEAN}) {
                if (quick && ((size != 4096 && size != 65536) || state != DMABENCH_STATE_DIRTY)) continue;
                add(r, variant, {{"size", size}, {"state", state_name(state)}}, "buffer", skip,
                    [op, size, state] { return cache_work(op, size, uint32_t(state)); });
            }
    }
}

void register_kmod(Registry& r) {
    const auto& dev = kmod::device();
    register_calls(r, dev);
    register_maps(r, dev, r.options().quick);
    register_caches(r, dev, r.options().quick);
    register_devmap(r, dev, r.options());
    register_xen(r, dev, r.options());
}

}  // namespace
DMABENCH_FAMILY(kmod, register_kmod);
}  // namespace dmabench
