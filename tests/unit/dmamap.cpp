// The composed paths: each calls exactly the pieces it claims (a counting
// run of the same composition the benchmark times), the decision picks the
// branch, the temporary mapping really maps and unmaps, swiotlb really bounces.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "kernels/dmamap/dmamap.hpp"

using namespace dmabench;
using namespace dmabench::dmamap;

namespace {

uint64_t hypercalls_made = 0;
long counting_hypercall(const void*) { return long(++hypercalls_made); }

const lookup::MemoryMap& dom0_map() {
    static const lookup::MemoryMap map = [] {
        for (const auto& p : lookup::embedded_profiles()) {
            auto m = lookup::parse_profile(p.text, p.file);
            if (m.name == "xen-dom0") return m;
        }
        throw std::runtime_error("no xen-dom0 profile embedded");
    }();
    return map;
}

struct Fixture {
    static constexpr std::size_t kMax = 64 * 1024 + 64;
    lookup::Tables tables{dom0_map()};
    std::vector<lookup::Frame> foreign = lookup::make_stream(dom0_map(), {lookup::Pattern::random_ram, 100, 16, 7});
    std::vector<lookup::Frame> local = lookup::make_stream(dom0_map(), {lookup::Pattern::random_ram, 0, 16, 7});
    std::vector<unsigned char> buf = std::vector<unsigned char>(kMax + kPage);
    std::vector<unsigned char> bounce = std::vector<unsigned char>(kMax + kPage);
    TempMapper temp{2 * kMax + 2 * kPage, 1, 64};
    Env env;
    Fixture(const char* replica = "memblock") {
#if defined(__x86_64__)
        env.clean = cache::find("clflush_mfence")->run;
        env.inval = cache::find("clflush_mfence")->run;
#else
        env.clean = cache::find("cvac_dsb_sy")->run;
        env.inval = cache::find("civac_dsb_sy")->run;
#endif
        env.line = 64;
        env.decide = lookup::replica(replica).fn;
        env.tables = &tables;
        env.hypercall = {counting_hypercall, nullptr};
        env.temp = &temp;
        env.bounce = bounce.data();
    }
    Request request(Dir d, std::size_t size, const lookup::Frame& f) {
        Request r;
        r.dir = d;
        r.buf = buf.data();
        r.size = size;
        r.frame = &f;
        r.foreign_offset = kPage;
        return r;
    }
};

constexpr Path kPaths[] = {Path::native,         Path::native_coherent, Path::xen_local,
                           Path::xen_hypercall,  Path::map_asymmetric,  Path::temp_mapping,
                           Path::swiotlb};
constexpr Dir kDirs[] = {Dir::to_device, Dir::from_device, Dir::bidirectional};
// One line, one page, a range straddling two pages, sixteen pages.
constexpr std::size_t kSizes[] = {64, 4096, 4096 + 64, 64 * 1024};

std::string describe(const PieceCounts& c) {
    std::ostringstream o;
    for (unsigned i = 0; i < kPieces; ++i)
        if (c[i]) o << piece_name(Piece(i)) << "=" << c[i] << " ";
    return o.str();
}

}  // namespace

TEST(DmamapCounting, EveryPathCallsExactlyThePiecesItClaims) {
    Fixture fx;
    for (Path path : kPaths)
        for (Dir dir : kDirs)
            for (std::size_t size : kSizes) {
                CountingPieces pieces{{fx.env}};
                const uint64_t hypercalls_before = hypercalls_made;
                const uint64_t maps_before = fx.temp.map_syscalls();
                map_unmap(path, pieces, fx.env, fx.request(dir, size, fx.foreign[0]));
                const PieceCounts want = claimed(path, dir, size);
                EXPECT_EQ(describe(pieces.counts), describe(want))
                    << path_name(path) << " " << dir_name(dir) << " size " << size;
                // Ground truth from the pieces' own side, not from the counter.
                EXPECT_EQ(hypercalls_made - hypercalls_before, want[unsigned(Piece::hypercall)]);
                EXPECT_EQ(fx.temp.map_syscalls() - maps_before, want[unsigned(Piece::mmap)]);
            }
}

TEST(DmamapCounting, ClaimsMatchTheReview) {
    // A few claims spelled out: what the 2014 thread argued about.
    auto c = claimed(Path::xen_hypercall, Dir::bidirectional, 64 * 1024);
    EXPECT_EQ(c[unsigned(Piece::hypercall)], 32u);  // 16 pages, at map and at unmap
    c = claimed(Path::map_asymmetric, Dir::bidirectional, 64 * 1024);
    EXPECT_EQ(c[unsigned(Piece::hypercall)], 16u);  // only at unmap
    c = claimed(Path::map_asymmetric, Dir::to_device, 64 * 1024);
    EXPECT_EQ(c[unsigned(Piece::hypercall)], 0u);   // nothing to invalidate
    EXPECT_EQ(describe(claimed(Path::native_coherent, Dir::bidirectional, 4096)), "");
}

TEST(DmamapDecision, EveryReplicaCallsTheForeignFramesForeign) {
    Fixture fx;
    for (const auto& r : lookup::replicas)
        for (const auto& f : fx.foreign) EXPECT_FALSE(r.fn(&fx.tables, &f)) << r.name << " pfn " << f.pfn;
}

TEST(DmamapDecision, ALocalPageTakesTheNativeBranch) {
    for (const auto& r : lookup::replicas) {
        Fixture fx(r.name);
        for (Path path : {Path::xen_hypercall, Path::map_asymmetric, Path::temp_mapping}) {
            CountingPieces pieces{{fx.env}};
            map_unmap(path, pieces, fx.env, fx.request(Dir::bidirectional, 8192, fx.local[0]));
            EXPECT_EQ(pieces.counts[unsigned(Piece::hypercall)], 0u) << r.name << " " << path_name(path);
            EXPECT_EQ(pieces.counts[unsigned(Piece::mmap)], 0u) << r.name << " " << path_name(path);
            EXPECT_EQ(pieces.counts[unsigned(Piece::clean)], 1u) << r.name << " " << path_name(path);
            EXPECT_EQ(pieces.counts[unsigned(Piece::inval)], 1u) << r.name << " " << path_name(path);
        }
    }
}

namespace {
// The /proc/self/maps line covering p, or "" when none does.
std::string maps_line(const void* p) {
    std::ifstream in("/proc/self/maps");
    auto a = reinterpret_cast<uintptr_t>(p);
    for (std::string line; std::getline(in, line);) {
        uintptr_t lo = 0, hi = 0;
        if (std::sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2 && lo <= a && a < hi) return line;
    }
    return "";
}
bool memfd_mapped_at(const void* p) { return maps_line(p).find("memfd:dmabench-foreign") != std::string::npos; }
bool resident(const void* p) {
    unsigned char v = 0;
    return mincore(const_cast<void*>(p), kPage, &v) == 0 && (v & 1);
}
}  // namespace

TEST(TempMapper, EagerMapsThenUnmapsForReal) {
    TempMapper t(16 * kPage, 1, 16);
    std::memset(t.owner() + 3 * kPage, 0x5a, kPage);
    unsigned char* v = t.map(3 * kPage, kPage);
    EXPECT_TRUE(memfd_mapped_at(v)) << maps_line(v);
    EXPECT_TRUE(resident(v)) << "MAP_POPULATE should have installed the page";
    EXPECT_EQ(v[100], 0x5a) << "the temporary mapping shows the foreign page";
    v[200] = 0x33;
    EXPECT_EQ(t.owner()[3 * kPage + 200], 0x33);
    t.release(v, kPage);
    EXPECT_FALSE(memfd_mapped_at(v)) << maps_line(v);
    EXPECT_FALSE(resident(v));
    EXPECT_EQ(t.map_syscalls(), 1u);
    EXPECT_EQ(t.unmap_syscalls(), 1u);
    EXPECT_EQ(t.map(0, kPage), v) << "eager reuses the same slot";
    t.release(v, kPage);
}

TEST(TempMapper, LazyUnmapsABatchInOneCall) {
    TempMapper t(16 * kPage, 8, 16);
    std::vector<unsigned char*> seen;
    for (int i = 0; i < 7; ++i) {
        unsigned char* v = t.map(std::size_t(i) * kPage, kPage);
        seen.push_back(v);
        t.release(v, kPage);
    }
    EXPECT_EQ(t.unmap_syscalls(), 0u);
    EXPECT_EQ(t.pending_pages(), 7u);
    for (auto* v : seen) EXPECT_TRUE(memfd_mapped_at(v)) << "still mapped until the batch is full";
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i], seen[i - 1] + kPage);
    unsigned char* last = t.map(7 * kPage, kPage);
    t.release(last, kPage);
    EXPECT_EQ(t.unmap_syscalls(), 1u) << "eight pages, one unmap";
    EXPECT_EQ(t.pending_pages(), 0u);
    for (auto* v : seen) EXPECT_FALSE(memfd_mapped_at(v)) << maps_line(v);
    EXPECT_FALSE(memfd_mapped_at(last));
    EXPECT_EQ(t.map(0, kPage), seen[0]) << "the window starts over once empty";
}

TEST(TempMapper, MultiPageMapsAndBadRanges) {
    TempMapper t(64 * kPage, 64, 80);
    std::memset(t.owner(), 0x77, 17 * kPage);  // the foreign pages exist (mincore reports the page cache)
    unsigned char* v = t.map(0, 16 * kPage + 1);  // 17 pages
    for (int i = 0; i < 17; ++i) {
        EXPECT_TRUE(memfd_mapped_at(v + i * kPage)) << i;
        EXPECT_TRUE(resident(v + i * kPage)) << i;
        EXPECT_EQ(v[i * kPage + 9], 0x77) << i;
    }
    t.release(v, 16 * kPage + 1);
    EXPECT_EQ(t.pending_pages(), 17u);
    EXPECT_THROW(t.map(1, kPage), std::out_of_range);
    EXPECT_THROW(t.map(64 * kPage, kPage), std::out_of_range);
    EXPECT_THROW(TempMapper(kPage, 0, 4), std::invalid_argument);
}

TEST(TempMapper, MovesAsideWhenSomethingElseTakesTheWindow) {
    TempMapper t(4 * kPage, 1, 8);
    unsigned char* v = t.map(0, kPage);
    t.release(v, kPage);
    // Another mapping lands exactly where the next temporary one would go.
    void* squatter = mmap(v, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    ASSERT_EQ(squatter, v);
    unsigned char* w = t.map(kPage, kPage);
    EXPECT_NE(w, v);
    EXPECT_EQ(t.window_moves(), 1u);
    EXPECT_FALSE(memfd_mapped_at(v)) << "the squatter is left alone: " << maps_line(v);
    EXPECT_TRUE(memfd_mapped_at(w));
    t.release(w, kPage);
    munmap(squatter, kPage);
}

TEST(Swiotlb, BouncesTheDataBothWays) {
    Fixture fx;
    std::memset(fx.buf.data(), 0x11, 4096);
    std::memset(fx.bounce.data(), 0, 4096);
    RealPieces real{fx.env};
    map(Path::swiotlb, real, fx.env, fx.request(Dir::to_device, 4096, fx.foreign[0]));
    EXPECT_EQ(fx.bounce[4095], 0x11) << "to_device: the bounce holds the data";
    std::memset(fx.bounce.data(), 0x22, 4096);  // the device wrote into the bounce buffer
    unmap(Path::swiotlb, real, fx.env, fx.request(Dir::from_device, 4096, fx.foreign[0]));
    EXPECT_EQ(fx.buf[0], 0x22) << "from_device: the data is copied back";
}

// --- scatter-gather sync (kernels/dmamap/sg.hpp) ------------------------------
#include "kernels/dmamap/sg.hpp"

namespace {
std::vector<std::pair<const void*, std::size_t>> sg_calls;
void sg_with(void* p, std::size_t len, std::size_t) { sg_calls.push_back({p, len}); }
void sg_without(void* p, std::size_t len, std::size_t) { sg_calls.push_back({p, len + 1000000}); }
}  // namespace

TEST(SgSync, PerEntryFencesEveryEntryPerListOnce) {
    unsigned char buf[8 * 8192];
    dmabench::sg::List l{buf, 8, 4096, 8192};
    sg_calls.clear();
    dmabench::sg::sync_per_entry(l, sg_with, 64);
    ASSERT_EQ(sg_calls.size(), 8u);  // each entry with its barrier
    for (std::size_t k = 0; k < 8; ++k) EXPECT_EQ(sg_calls[k], std::make_pair((const void*)(buf + k * 8192), std::size_t(4096)));
    sg_calls.clear();
    dmabench::sg::sync_per_list(l, sg_without, sg_with, 64);
    ASSERT_EQ(sg_calls.size(), 9u);  // every entry without, then one barrier (a zero length)
    for (std::size_t k = 0; k < 8; ++k) EXPECT_EQ(sg_calls[k].second, 1000000u + 4096u);
    EXPECT_EQ(sg_calls[8].second, 0u);
}

TEST(SgSync, RealRoutinesVisitEveryLineOfEveryEntry) {
    // The recording twin of the lead clean routine: every line once, nothing else.
    const auto* v = dmabench::cache::find(
        dmabench::cache::this_arch == dmabench::cache::Arch::arm64 ? "cvac_none" : "clwb_none");
    ASSERT_NE(v, nullptr);
    if (!v->record) GTEST_SKIP() << "no recorder in this build";
    alignas(64) static unsigned char buf[4 * 8192];
    std::vector<uintptr_t> log(4 * 4096 / 64 + 8);
    uintptr_t* at = log.data();
    for (std::size_t k = 0; k < 4; ++k) at = v->record(buf + k * 8192, 4096, 64, at);
    ASSERT_EQ(std::size_t(at - log.data()), 4u * 64u);
    for (std::size_t k = 0; k < 4; ++k)
        for (std::size_t i = 0; i < 64; ++i)
            EXPECT_EQ(log[k * 64 + i], uintptr_t(buf + k * 8192 + i * 64));
}
