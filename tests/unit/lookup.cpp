// The lookup family: every replica against the brute-force reference over
// every pfn of small maps (and the edges of large ones), the red-black tree,
// the p2m tree's refusals, the parsers' errors, the streams.
#include "kernels/lookup/lookup.hpp"
#include "tests/unit/lookup_reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

using namespace dmabench::lookup;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t MiB = uint64_t{1} << 20, GiB = uint64_t{1} << 30;

// A compact map with every edge the replicas treat differently: unaligned
// ends, NOMAP inside and at the edge of a section, a section only partly
// populated, hot-added and device memory on subsection edges, holes.
MemoryMap edge_map() {
    MemoryMap m;
    m.name = "edges";
    m.source = "unit test";
    m.regions = {
        {0x1000, 0x9e000, RegionKind::ram, 0},              // x86-like low RAM from page 1
        {0x9fc00, 0x400, RegionKind::ram, 0},               // smaller than a page: no pfn of its own
        {0x100000, 126 * MiB + 0x800, RegionKind::ram, 0},  // ends mid-page, mid-section
        {0x8100000, 4 * MiB, RegionKind::nomap, 0},         // NOMAP in the second section
        {0x8500000, 60 * MiB, RegionKind::ram, 1},          // node 1, touching nothing
        {0x10000000, 2 * MiB, RegionKind::nomap, 0},        // NOMAP starting a section
        {0x10200000, 62 * MiB, RegionKind::ram, 0},         // touches the NOMAP: not merged
        {0x40000000 + 6 * MiB, 10 * MiB, RegionKind::hotplug, 0},  // late section, subsections 3..7
        {0x48000000 + 3 * MiB, 1 * MiB + 0x1000, RegionKind::device, 0},  // partial subsections
        {0x7ff00000, 1 * MiB, RegionKind::ram, 0},          // the last page before 2 GiB
    };
    normalise(m);
    return m;
}

void expect_all_replicas_match(const MemoryMap& m, const Tables& t, uint64_t pfn, const Frame& f) {
    for (const Replica& r : replicas) {
        bool want = lookup_reference::local(r.name, m, f);
        bool got = r.fn(&t, &f);
        ASSERT_EQ(got, want) << r.name << " on map " << m.name << " at pfn 0x" << std::hex << pfn
                             << " (frame pfn 0x" << f.pfn << " bfn 0x" << f.bfn << " foreign " << f.foreign << ")";
    }
}

// Every pfn in [first, end), as a local frame.
void sweep(const MemoryMap& m, const Tables& t, uint64_t first, uint64_t end) {
    for (uint64_t pfn = first; pfn < end; ++pfn) {
        Frame f{pfn, pfn, 0};
        expect_all_replicas_match(m, t, pfn, f);
        if (testing::Test::HasFatalFailure()) return;
    }
}

// Around every region edge, section edge and subsection edge nearby.
void sweep_edges(const MemoryMap& m, const Tables& t, uint64_t window = 600) {
    std::set<uint64_t> points{0};
    for (const Region& r : m.regions)
        for (uint64_t a : {r.base, r.end()}) {
            uint64_t pfn = a >> kPageShift;
            points.insert(pfn);
            points.insert(pfn & ~((uint64_t{1} << 18) - 1));  // 1 GiB section start
            points.insert(pfn & ~((uint64_t{1} << 15) - 1));  // 128 MiB section start
            points.insert((pfn | ((uint64_t{1} << 15) - 1)) + 1);
        }
    for (uint64_t p : points) {
        uint64_t first = p > window ? p - window : 0;
        sweep(m, t, first, p + window);
        if (testing::Test::HasFatalFailure()) return;
    }
}

}  // namespace

// --- correctness of every replica ---------------------------------------------------

TEST(LookupReference, EveryPfnOfTheEdgeMap) {
    MemoryMap m = edge_map();
    Tables t(m);
    sweep(m, t, 0, (2 * GiB + 256 * MiB) >> kPageShift);  // all of it and a hole past the end
}

TEST(LookupReference, EveryPfnWithForeignGrants) {
    MemoryMap m = edge_map();
    m.p2m = {{0x200, 0x900000, 1}, {0x201, 0x900010, 1}, {0x300, 0x300, 1} /* maps to itself */,
             {0x4000, 0xa00000, 64}};
    normalise(m);
    Tables t(m);
    ASSERT_EQ(t.p2m.size(), 4u);
    for (uint64_t pfn = 0; pfn < 0x8000; ++pfn) {
        const P2mRange* g = nullptr;
        for (const P2mRange& p : m.p2m)
            if (pfn >= p.pfn && pfn < p.pfn + p.nr_pages) g = &p;
        Frame f{pfn, g ? g->mfn + (pfn - g->pfn) : pfn, uint64_t(g && g->mfn != g->pfn)};
        expect_all_replicas_match(m, t, pfn, f);
        if (HasFatalFailure()) return;
    }
}

TEST(LookupReference, ShippedProfilesAtEveryEdgeAndRandomPfns) {
    for (const EmbeddedProfile& p : embedded_profiles()) {
        MemoryMap m = parse_profile(p.text, p.file);
        Tables t(m);
        SCOPED_TRACE(p.file);
        sweep_edges(m, t);
        if (HasFatalFailure()) return;
        for (Pattern pat : {Pattern::random_ram, Pattern::random_phys, Pattern::sequential}) {
            StreamSpec spec{pat, m.p2m.empty() ? 0u : 50u, 20000, 7};
            for (const Frame& f : make_stream(m, spec)) {
                expect_all_replicas_match(m, t, f.pfn, f);
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST(LookupReference, SyntheticMapsOfManyRegions) {
    // The reference scans every region per pfn: narrower windows as maps grow.
    for (auto [n, window] : {std::pair{1u, 600u}, {7u, 600u}, {64u, 64u}, {512u, 4u}}) {
        MemoryMap m = synthetic_map(n, 42 + n, 5);
        Tables t(m);
        EXPECT_EQ(t.memblock.regions.size(), size_t(n)) << "holes keep every region apart";
        sweep_edges(m, t, window);
        if (HasFatalFailure()) return;
    }
}

TEST(LookupReference, KnownAnswersThatSeparateTheEras) {
    MemoryMap m = edge_map();
    Tables t(m);
    auto ask = [&](const char* name, uint64_t pfn) {
        Frame f{pfn, pfn, 0};
        return replica(name).fn(&t, &f);
    };
    const uint64_t nomap = 0x8100000 >> kPageShift;
    EXPECT_TRUE(ask("memblock", nomap));            // v3.x: NOMAP is still memory
    EXPECT_FALSE(ask("memblock_nomap", nomap));     // v4.5: not mapped, not valid
    EXPECT_TRUE(ask("sparsemem", nomap));           // generic: the early section answers
    EXPECT_FALSE(ask("sparsemem_memblock", nomap)); // v5.12: memblock decides early sections
    const uint64_t hole_in_early_section = (0x8000000 + 0x80000) >> kPageShift;  // between regions
    EXPECT_FALSE(ask("memblock", hole_in_early_section));
    EXPECT_TRUE(ask("sparsemem", hole_in_early_section));
    const uint64_t hotplug_hole = (0x40000000 + 2 * MiB) >> kPageShift;  // same section, no memory
    EXPECT_FALSE(ask("sparsemem", hotplug_hole));   // subsection bit clear
    EXPECT_TRUE(ask("sparsemem", (0x40000000 + 6 * MiB) >> kPageShift));
    EXPECT_TRUE(ask("sparsemem_s30", hotplug_hole)); // 1 GiB section holds boot memory: early
    const uint64_t device = (0x48000000 + 3 * MiB) >> kPageShift;
    EXPECT_FALSE(ask("memblock", device));          // ZONE_DEVICE is not in memblock
    EXPECT_TRUE(ask("sparsemem", device));
    // The high-bit guard: a pfn whose shift wraps onto RAM.
    const uint64_t ram = 0x200;
    const uint64_t alias = ram | (uint64_t{1} << 60);
    EXPECT_TRUE(ask("memblock", alias));            // the old bug the guard fixed
    EXPECT_FALSE(ask("sparsemem", alias));
    EXPECT_FALSE(ask("sparsemem_memblock", alias));
    EXPECT_TRUE(ask("flat", ram));
    EXPECT_FALSE(ask("flat", alias));
    EXPECT_FALSE(ask("sparsemem", uint64_t{1} << 36));  // section number beyond NR_MEM_SECTIONS
}

TEST(LookupReference, EmptyMapAndEmptyTree) {
    MemoryMap m;
    m.name = "empty";
    Tables t(m);
    ASSERT_EQ(t.memblock.regions.size(), 1u) << "memblock keeps one empty dummy region";
    for (uint64_t pfn : {uint64_t{0}, uint64_t{1}, uint64_t{0x80000}, ~uint64_t{0}}) {
        Frame f{pfn, pfn, 0};
        expect_all_replicas_match(m, t, pfn, f);
        EXPECT_TRUE(replica("xen_p2m").fn(&t, &f)) << "an empty p2m answers pfn itself";
    }
    EXPECT_EQ(p2m_pfn_to_bfn(t.p2m, 1234), 1234u);
}

// --- the trees ----------------------------------------------------------------------

TEST(LookupRbtree, MatchesASetThroughRandomInsertsAndErases) {
    P2mTree tree;
    std::set<uint64_t> want;
    std::mt19937_64 rng(5);
    for (int step = 0; step < 20000; ++step) {
        uint64_t pfn = rng() % 3000;
        if (rng() % 3) {
            bool fresh = !want.count(pfn);
            EXPECT_EQ(tree.insert(pfn, pfn + 100000, 1) == P2mTree::Insert::ok, fresh);
            want.insert(pfn);
        } else {
            EXPECT_EQ(tree.erase(pfn), want.erase(pfn) == 1);
        }
        if (step % 97 == 0) {
            ASSERT_TRUE(tree.check()) << "after step " << step;
        }
    }
    ASSERT_TRUE(tree.check());
    ASSERT_EQ(tree.size(), want.size());
    std::vector<uint64_t> order;
    for (RbNode* n = rb_first(&tree.root); n; n = rb_next(n)) order.push_back(p2m_entry_of(n)->pfn);
    EXPECT_TRUE(std::equal(order.begin(), order.end(), want.begin(), want.end()));
    // Height stays logarithmic: black height >= half the depth.
    int bh = rb_check(&tree.root);
    EXPECT_GT(bh, 0);
    EXPECT_LE(size_t(1) << (bh - 1), want.size() + 1);
    for (uint64_t pfn : want) ASSERT_TRUE(tree.erase(pfn));
    EXPECT_TRUE(tree.empty());
    EXPECT_TRUE(tree.check());
}

TEST(LookupP2m, OverlapsAreRefusedAndRangesTranslate) {
    P2mTree t;
    EXPECT_EQ(t.insert(100, 5000, 10), P2mTree::Insert::ok);   // [100, 110)
    EXPECT_EQ(t.insert(100, 9000, 1), P2mTree::Insert::overlap);   // same start (the kernel's check)
    EXPECT_EQ(t.insert(109, 9000, 1), P2mTree::Insert::overlap);   // last page
    EXPECT_EQ(t.insert(95, 9000, 6), P2mTree::Insert::overlap);    // straddles the start
    EXPECT_EQ(t.insert(90, 9000, 40), P2mTree::Insert::overlap);   // contains it
    EXPECT_EQ(t.insert(105, 9000, 2), P2mTree::Insert::overlap);   // inside it
    EXPECT_EQ(t.insert(110, 9000, 1), P2mTree::Insert::ok);        // touching is fine
    EXPECT_EQ(t.insert(99, 9001, 1), P2mTree::Insert::ok);
    EXPECT_EQ(t.insert(50, 1, 0), P2mTree::Insert::bad_range);
    EXPECT_EQ(t.insert(~uint64_t{0} - 1, 1, 4), P2mTree::Insert::bad_range);
    EXPECT_EQ(t.size(), 3u);
    EXPECT_TRUE(t.check());
    EXPECT_EQ(p2m_pfn_to_mfn(t, 104), 5004u);
    EXPECT_EQ(p2m_pfn_to_mfn(t, 98), kInvalidP2mEntry);
    EXPECT_EQ(p2m_pfn_to_bfn(t, 98), 98u);
    EXPECT_EQ(p2m_pfn_to_bfn(t, 110), 9000u);
    EXPECT_TRUE(t.erase(107));  // any pfn inside the range drops the node
    EXPECT_EQ(p2m_pfn_to_bfn(t, 104), 104u);
    EXPECT_FALSE(t.erase(104));
}

TEST(LookupP2m, OverlappingProfileRangesAreRefusedByTables) {
    MemoryMap m = edge_map();
    m.p2m = {{0x200, 0x900000, 4}, {0x202, 0x900010, 1}};
    EXPECT_THROW(normalise(m), std::invalid_argument);
    EXPECT_THROW(Tables{m}, std::invalid_argument);
}

TEST(LookupMemblock, MergesLikeMemblockAndSearches) {
    MemoryMap m;
    m.regions = {{0x1000, 0x1000, RegionKind::ram, 0}, {0x2000, 0x1000, RegionKind::ram, 0},   // merge
                 {0x3000, 0x1000, RegionKind::nomap, 0},                                       // flags differ
                 {0x4000, 0x1000, RegionKind::ram, 1},                                         // node differs
                 {0x9000, 0x1000, RegionKind::device, 0}};                                     // not memblock
    normalise(m);
    Memblock mb(m);
    ASSERT_EQ(mb.regions.size(), 3u);
    EXPECT_EQ(mb.regions[0].size, 0x2000u);
    EXPECT_TRUE(memblock_is_memory(mb, 0x3fff));
    EXPECT_FALSE(memblock_is_map_memory(mb, 0x3fff));
    EXPECT_FALSE(memblock_is_memory(mb, 0x9000));
    EXPECT_FALSE(memblock_is_memory(mb, 0x5000));
    EXPECT_EQ(memblock_search(mb, 0x4800), 2);
}

TEST(LookupSparsemem, TablesHaveTheKernelsShape) {
    EXPECT_EQ(Sparsemem<27>::kSectionsPerRoot, 256u);
    EXPECT_EQ(Sparsemem<27>::kNrSectionRoots, 8192u);
    EXPECT_EQ(Sparsemem<27>::kSubsectionsPerSection, 64u);
    EXPECT_EQ(Sparsemem<30>::kSubsectionsPerSection, 512u);
    EXPECT_EQ(Sparsemem<27>::kUsageWords, 1u + 4u);  // subsection map + 64 pageblocks x 4 bits
    MemoryMap m = edge_map();
    Tables t(m);
    EXPECT_EQ(t.sparse27.allocated_roots, 1u);  // everything below 32 GiB: one root page
    // sections: 0 (low RAM), 1 (NOMAP + RAM), 2, 8 (hotplug), 9 (device), 15 (last page)
    EXPECT_EQ(t.sparse27.present_sections, 6u);
    EXPECT_EQ(t.sparse30.present_sections, 2u);
}

// --- maps, profiles and parsers -----------------------------------------------------

TEST(LookupProfiles, ShippedProfilesParseAndNameTheirSource) {
    std::set<std::string> names;
    for (const EmbeddedProfile& p : embedded_profiles()) {
        MemoryMap m = parse_profile(p.text, p.file);
        EXPECT_GT(m.source.size(), 40u) << p.file;
        EXPECT_FALSE(m.regions.empty()) << p.file;
        names.insert(m.name);
        if (m.name == "xen-dom0") {
            EXPECT_GE(m.p2m.size(), 100u);
            for (const P2mRange& g : m.p2m) {
                EXPECT_EQ(g.nr_pages, 1u);
                Tables t(m);
                Frame f{g.mfn, g.mfn, 1};
                EXPECT_FALSE(replica("memblock").fn(&t, &f)) << "a foreign mfn is outside dom0's memory";
                break;
            }
        }
    }
    for (const char* want : {"rpi3", "server-efi", "numa2", "xen-dom0"}) EXPECT_TRUE(names.count(want)) << want;
}

namespace {
std::string error_of(const std::string& text, const std::string& file = "p.json") {
    try {
        parse_profile(text, file);
    } catch (const ParseError& e) {
        return e.what();
    }
    return "no error";
}
}  // namespace

TEST(LookupProfiles, ErrorsNameTheFileAndLine) {
    const std::string head = "{\n  \"name\": \"t\",\n  \"source\": \"unit test\",\n  \"regions\": [\n";
    EXPECT_EQ(error_of(head + "    {\"base\": 0, \"size\": \"1GiB\"},\n    {\"base\": \"0x2000_0000\", \"size\": 4096}\n  ]\n}\n"),
              "p.json:6: region [0x20000000, 0x20001000) overlaps the region on line 5");
    EXPECT_EQ(error_of(head + "    {\"base\": 0, \"siz\": 4096}\n  ]\n}\n"),
              "p.json:5: unknown key \"siz\" in a region (accepted: base, size, type, node, name)");
    EXPECT_EQ(error_of(head + "    {\"base\": 0}\n  ]\n}\n"), "p.json:5: a region needs \"base\" and \"size\"");
    EXPECT_EQ(error_of(head + "    {\"base\": \"0xzz\", \"size\": 4096}\n  ]\n}\n"),
              "p.json:5: \"base\" takes an unsigned integer, or a string like \"0x8000_0000\" or \"2GiB\"");
    EXPECT_EQ(error_of(head + "    {\"base\": 0, \"size\": 4096, \"type\": \"rom\"}\n  ]\n}\n"),
              "p.json:5: \"type\" \"rom\" is not one of ram, nomap, hotplug, device");
    EXPECT_EQ(error_of(head + "    {\"base\": 0, \"size\": 4096},\n\n    ]\n}\n"),
              "p.json:7: unexpected character ']'");
    EXPECT_EQ(error_of(head + "    {\"base\": 1.5, \"size\": 4096}\n  ]\n}\n").substr(0, 9), "p.json:5:");
    EXPECT_EQ(error_of(head + "    {\"base\": \"0xffff_ffff_ffff\", \"size\": \"1GiB\"}\n  ]\n}\n"),
              "p.json:5: region [0xffffffffffff, +0x40000000) ends above 2^48");
    EXPECT_EQ(error_of("{\"name\": \"Bad Name\", \"source\": \"x\", \"regions\": []}"),
              "p.json:1: \"name\" \"Bad Name\" must be 1-48 characters of a-z, 0-9 and '-'");
    EXPECT_EQ(error_of("{\"name\": \"t\",\n \"name\": \"u\"}"), "p.json:2: duplicate key \"name\"");
    EXPECT_EQ(error_of("[1, 2"), "p.json:1: expected ',' or ']' in the array");
    EXPECT_EQ(error_of(head + "    {\"base\": 0, \"size\": 4096}\n  ],\n  \"p2m\": [{\"pfn\": 1, \"mfn\": 9, \"pages\": 2},\n"
                              "          {\"pfn\": 2, \"mfn\": 19}]\n}\n"),
              "p.json:8: p2m entry at pfn 0x2 overlaps the entry on line 7");
}

TEST(LookupIomem, ReadsSystemRamAndArm64Nomap) {
    const std::string arm64 =
        "40000000-4fffffff : System RAM\n"
        "  40210000-4159ffff : Kernel code\n"
        "50000000-500fffff : reserved\n"
        "50100000-bfffffff : System RAM\n"
        "  bf000000-bfffffff : reserved\n"
        "c0000000-c0000fff : pl011@9000000\n";
    MemoryMap m = parse_iomem(arm64, "iomem", true);
    ASSERT_EQ(m.regions.size(), 3u);
    EXPECT_EQ(m.regions[1].kind, RegionKind::nomap);
    EXPECT_EQ(m.regions[2].size, 0xbfffffffull - 0x50100000 + 1);
    EXPECT_EQ(parse_iomem(arm64, "iomem", false).regions.size(), 2u);
    const std::string x86 = "00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
                            "00100000-bffdffff : System RAM\n  01000000-01ffffff : Kernel code\n";
    MemoryMap x = parse_iomem(x86, "iomem", true);
    ASSERT_EQ(x.regions.size(), 2u) << "x86's capitalised Reserved is not arm64's NOMAP";
    EXPECT_EQ(x.regions[0].size, 0x9ec00u);
}

TEST(LookupIomem, MalformedLinesAndHiddenAddressesAreErrors) {
    auto err = [](const std::string& text) {
        try {
            parse_iomem(text, "/proc/iomem", false);
        } catch (const ParseError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(err("00001000-0009fbff : System RAM\n00100000 System RAM\n"),
              "/proc/iomem:2: expected \"<start>-<end> : <name>\" with hex addresses");
    EXPECT_EQ(err("\n00002000-00001000 : System RAM\n"), "/proc/iomem:2: end 0x1000 is below start 0x2000");
    EXPECT_EQ(err("00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"),
              "/proc/iomem:1: every address reads 0: the kernel shows /proc/iomem addresses to root only");
    EXPECT_EQ(err("00100000-001fffff : System RAM\n00180000-002fffff : System RAM\n"),
              "/proc/iomem:2: range overlaps or is below the one on line 1");
    EXPECT_EQ(err("1000000000000-1000000000fff : System RAM\n"),
              "/proc/iomem:1: range ends above the 48-bit physical space the replicas model");
}

TEST(LookupHostMap, FallsBackToFirmwareMemmapAndNeverThrows) {
    fs::path dir = fs::temp_directory_path() / ("lookup_host_" + std::to_string(::getpid()));
    fs::create_directories(dir / "memmap" / "0");
    fs::create_directories(dir / "memmap" / "1");
    auto write = [](const fs::path& p, const std::string& s) { std::ofstream(p) << s; };
    write(dir / "iomem", "00000000-00000000 : System RAM\n");
    write(dir / "memmap/0/start", "0x1000\n");
    write(dir / "memmap/0/end", "0x9fbff\n");
    write(dir / "memmap/0/type", "System RAM\n");
    write(dir / "memmap/1/start", "0xf0000\n");
    write(dir / "memmap/1/end", "0xfffff\n");
    write(dir / "memmap/1/type", "Reserved\n");
    HostMap h = read_host_map((dir / "iomem").string(), (dir / "memmap").string());
    ASSERT_TRUE(h.ok()) << h.why;
    EXPECT_NE(h.map.source.find("root only"), std::string::npos) << h.map.source;
    ASSERT_EQ(h.map.regions.size(), 1u);
    write(dir / "memmap/0/start", "banana\n");
    h = read_host_map((dir / "iomem").string(), (dir / "memmap").string());
    EXPECT_FALSE(h.ok());
    EXPECT_NE(h.why.find("memmap/0/start:1: expected a 0x-prefixed hex address"), std::string::npos) << h.why;
    h = read_host_map((dir / "missing").string(), (dir / "missing2").string());
    EXPECT_FALSE(h.ok());
    EXPECT_NE(h.why.find("cannot read"), std::string::npos);
    fs::remove_all(dir);
    // This machine: whatever it allows, no exception, and a reason when it fails.
    HostMap here = read_host_map();
    if (here.ok()) {
        Tables t(here.map);
        EXPECT_GT(here.map.ram_pages(), 0u);
    } else {
        EXPECT_FALSE(here.why.empty());
    }
}

// --- streams ------------------------------------------------------------------------

TEST(LookupStream, SharesPatternsAndGrantsAreExact) {
    MemoryMap m = synthetic_map(16, 3);
    add_foreign_grants(m, 512, 9);
    ASSERT_EQ(m.p2m.size(), 512u);
    Tables t(m);
    for (unsigned pct : {0u, 1u, 50u, 100u})
        for (Pattern pat : {Pattern::sequential, Pattern::random_ram, Pattern::random_phys}) {
            std::vector<Frame> s = make_stream(m, {pat, pct, 4096, 11});
            ASSERT_EQ(s.size(), 4096u);
            size_t foreign = size_t(std::count_if(s.begin(), s.end(), [](const Frame& f) { return f.foreign; }));
            EXPECT_EQ(foreign, (4096 * pct + 50) / 100);
            uint64_t flag_local = lookup_stream(replica("flag").fn, &t, s.data(), s.size());
            EXPECT_EQ(flag_local, 4096 - foreign);
            // Whole-stream answers equal the per-frame answers, for every replica.
            for (const Replica& r : replicas) {
                uint64_t want = 0;
                for (const Frame& f : s) want += lookup_reference::local(r.name, m, f);
                for (const Chain& c : chains) EXPECT_EQ(c.run(r.fn, &t, s.data(), s.size()), want) << r.name << c.name;
            }
            for (const Frame& f : s) {
                if (f.foreign) {
                    EXPECT_NE(f.pfn, f.bfn);
                } else {
                    EXPECT_EQ(p2m_pfn_to_bfn(t.p2m, f.pfn), f.pfn) << "local frames avoid granted pfns";
                    if (pat != Pattern::random_phys) {
                        EXPECT_TRUE(memblock_is_memory(t.memblock, f.pfn << kPageShift));
                    }
                }
            }
            if (pat == Pattern::sequential && pct == 0) {
                EXPECT_EQ(s[1].pfn, s[0].pfn + 1);
            }
        }
    EXPECT_THROW(make_stream(synthetic_map(4, 1), {Pattern::random_ram, 1, 100, 1}), std::invalid_argument);
    EXPECT_THROW(make_stream(m, {Pattern::random_ram, 101, 100, 1}), std::invalid_argument);
}

TEST(LookupSynthetic, SeedNamesOneMap) {
    MemoryMap a = synthetic_map(256, 77), b = synthetic_map(256, 77), c = synthetic_map(256, 78);
    ASSERT_EQ(a.regions.size(), 256u);
    EXPECT_TRUE(std::equal(a.regions.begin(), a.regions.end(), b.regions.begin(),
                           [](const Region& x, const Region& y) { return x.base == y.base && x.size == y.size; }));
    EXPECT_NE(a.regions.back().base, c.regions.back().base);
    EXPECT_THROW(synthetic_map(0, 1), std::invalid_argument);
    EXPECT_EQ(a.name, "regions-256");
    EXPECT_STREQ(replica("memblock").kind, "pfn_valid");
    EXPECT_THROW(replica("nope"), std::out_of_range);
}

// The table's columns say what each replica reads and which are eras: the
// experiments' era list comes from it, not from a list of names.
TEST(LookupTable, KindsAndErasComeFromTheRows) {
    std::set<std::string> names;
    for (const Replica& r : replicas) {
        EXPECT_TRUE(names.insert(r.name).second) << "duplicate " << r.name;
        const std::string kind = r.kind;
        EXPECT_TRUE(kind == "pfn_valid" || kind == "p2m" || kind == "alternative") << r.name << ": " << kind;
        EXPECT_NE(std::string(r.models), "") << r.name;
        EXPECT_NE(std::string(r.description), "") << r.name;
        EXPECT_EQ(&replica(r.name), &r);
        EXPECT_EQ(is_era(r.name), r.era) << r.name;
        if (kind == "alternative") {
            EXPECT_FALSE(r.era) << r.name << ": an alternative is no era";
        }
    }
    EXPECT_TRUE(is_era("memblock"));
    EXPECT_TRUE(is_era("xen_p2m"));
    EXPECT_FALSE(is_era("xen_p2m_walk")) << "the walk without its lock is a part of an era, timed alone";
    EXPECT_FALSE(is_era("nope"));
}
