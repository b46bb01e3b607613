// libFuzzer target for the lookup family's readers: board profiles (JSON),
// /proc/iomem and /sys/firmware/memmap entries. The first byte picks the
// reader. A map that parses is then built into tables and every replica is
// checked against the brute-force reference around each region edge, so the
// fuzzer also hunts for maps the replicas get wrong.
//
// Built by the `fuzz` preset (tests/fuzz/CMakeLists.txt), run for a short while
// by tests/cli/lookup_fuzz.sh; tests/unit/lookup_fuzz.cpp feeds the corpus and
// seeded mutations through the same entry point in every other build.
#include "kernels/lookup/lookup.hpp"
#include "tests/unit/lookup_reference.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

using namespace dmabench::lookup;

void check_replicas(const MemoryMap& m) {
    uint64_t bytes = 0;
    for (const Region& r : m.regions) bytes += r.size;
    // Keep an input fast: a map spanning terabytes costs seconds of section setup.
    if (m.regions.size() > 64 || bytes > (uint64_t{64} << 30) || m.p2m.size() > 4096) return;
    Tables t(m);
    if (!t.p2m.check()) std::abort();
    auto probe = [&](uint64_t pfn) {
        Frame f{pfn, pfn, 0};
        for (const Replica& r : replicas)
            if (r.fn(&t, &f) != lookup_reference::local(r.name, m, f)) {
                std::fprintf(stderr, "replica %s disagrees with the reference at pfn 0x%llx\n", r.name,
                             static_cast<unsigned long long>(pfn));
                std::abort();
            }
    };
    for (const Region& r : m.regions)
        for (uint64_t a : {r.base, r.end()})
            for (uint64_t pfn = (a >> kPageShift) > 2 ? (a >> kPageShift) - 2 : 0; pfn < (a >> kPageShift) + 3; ++pfn)
                probe(pfn);
    for (const P2mRange& p : m.p2m) probe(p.pfn);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const uint8_t selector = data[0];
    std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        switch (selector % 3) {
        case 0:
            check_replicas(parse_profile(text, "fuzz.json"));
            break;
        case 1:
            check_replicas(parse_iomem(text, "fuzz.iomem", selector & 4));
            break;
        case 2: {  // start, end and type, one per line
            size_t a = text.find('\n');
            size_t b = a == std::string_view::npos ? a : text.find('\n', a + 1);
            if (b == std::string_view::npos) return 0;
            parse_firmware_memmap_entry(text.substr(0, a), text.substr(a + 1, b - a - 1), text.substr(b + 1),
                                        "fuzz/memmap/0");
            break;
        }
        }
    } catch (const ParseError&) {
        // The expected way to refuse bad input.
    }
    return 0;
}
