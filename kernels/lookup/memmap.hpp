// The memory map the pfn_valid replicas are built from: physical regions by
// kind, plus Xen's foreign grant ranges; where it comes from (board profile,
// the host's /proc/iomem or /sys/firmware/memmap, a seeded generator); and
// the precomputed frame streams the benchmarks walk.
//
// Not timed code, but it stays harness-free like everything under kernels/.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dmabench::lookup {

inline constexpr unsigned kPageShift = 12;  // arm64 with 4 KiB pages
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
inline constexpr uint64_t pfn_up(uint64_t addr) { return (addr + kPageSize - 1) >> kPageShift; }
inline constexpr uint64_t pfn_down(uint64_t addr) { return addr >> kPageShift; }

// How the kernel got to know a range of physical memory.
enum class RegionKind : uint8_t {
    ram,      // boot memory: memblock.memory, early sparse sections
    nomap,    // boot memory flagged MEMBLOCK_NOMAP (EFI runtime, firmware tables)
    hotplug,  // added after boot (add_memory): in memblock on arm64, not early
    device,   // ZONE_DEVICE (memremap_pages): sections and subsections only
};
const char* kind_name(RegionKind k);
inline bool is_boot(RegionKind k) { return k == RegionKind::ram || k == RegionKind::nomap; }
inline bool in_memblock(RegionKind k) { return k != RegionKind::device; }

struct Region {
    uint64_t base = 0;  // bytes; need not be page aligned (e820 ranges are not)
    uint64_t size = 0;
    RegionKind kind = RegionKind::ram;
    int nid = 0;        // NUMA node
    uint64_t end() const { return base + size; }
};

// One node of Xen's pfn -> mfn tree: nr_pages frames from pfn map to mfn on.
struct P2mRange {
    uint64_t pfn = 0, mfn = 0, nr_pages = 1;
};

struct MemoryMap {
    std::string name;        // e.g. "rpi3", "regions-1024", "host"
    std::string source;      // where the layout comes from
    unsigned pa_bits = 48;   // physical address bits (random_phys draws below 2^pa_bits)
    std::vector<Region> regions;   // sorted by base, non-overlapping (see normalise)
    std::vector<P2mRange> p2m;     // foreign grant mappings (Xen dom0 only)

    uint64_t ram_pages() const;    // pages of kind ram (the "random inside RAM" pool)
};

// A bad profile, iomem or memmap line: what() is "file:line: message".
class ParseError : public std::runtime_error {
public:
    ParseError(const std::string& file, unsigned line, const std::string& message);
    const std::string& file() const { return file_; }
    unsigned line() const { return line_; }
private:
    std::string file_;
    unsigned line_;
};

// Sorts regions and refuses overlaps or empty/wrapping ones (throws
// std::invalid_argument naming both regions); checks p2m ranges for overlap.
void normalise(MemoryMap& map);

// --- where maps come from ---------------------------------------------------------

// A board profile (JSON, schema in kernels/lookup/profiles/README.md).
// file names the text in error messages.
MemoryMap parse_profile(std::string_view text, const std::string& file);

// /proc/iomem text. arm64 reports memblock NOMAP regions as top-level
// "reserved" entries (request_standard_resources), so with arm64_nomap they
// become nomap regions; x86 top-level "Reserved" is not RAM and is skipped.
// Throws ParseError for a malformed line, or when every address reads zero
// (the kernel hides them from non-root readers).
MemoryMap parse_iomem(std::string_view text, const std::string& file, bool arm64_nomap);

// One /sys/firmware/memmap/N entry (start, end inclusive, type), for the
// directory reader below and the fuzzer.
struct FirmwareEntry { uint64_t start = 0, end = 0; std::string type; };
FirmwareEntry parse_firmware_memmap_entry(std::string_view start, std::string_view end,
                                          std::string_view type, const std::string& dir);

// The host's map: /proc/iomem "System RAM" when its addresses are readable,
// else /sys/firmware/memmap "System RAM" entries. Never throws: on failure the
// map is empty and why says what was tried and what went wrong.
struct HostMap { MemoryMap map; std::string why; bool ok() const { return !map.regions.empty(); } };
HostMap read_host_map(const std::string& proc_iomem = "/proc/iomem",
                      const std::string& firmware_memmap = "/sys/firmware/memmap");

// The board profiles shipped in kernels/lookup/profiles, embedded at build
// time (so a binary copied to a board has them). file is the repo path.
struct EmbeddedProfile { const char* file; const char* text; };
const std::vector<EmbeddedProfile>& embedded_profiles();

// Synthetic: `regions` page-aligned RAM regions with holes between every two
// (so memblock cannot merge them), sizes and holes log-uniform, from seed.
// nomap_every > 0 flags every nomap_every-th region NOMAP.
MemoryMap synthetic_map(unsigned regions, uint64_t seed, unsigned nomap_every = 0);

// Adds `count` single-page foreign grants: pfns drawn from RAM pages (as
// ballooned pages are), mfns from above the highest region (frames that are
// not dom0's). Throws std::invalid_argument when RAM is too small.
void add_foreign_grants(MemoryMap& map, unsigned count, uint64_t seed);

// --- frame streams ----------------------------------------------------------------

// One DMA request as the map/unmap path sees it: the page's pfn, the bus frame
// handed to the device (pfn itself for a local page in dom0's 1:1 map, the
// foreign mfn for a grant), and the flag a caller could have carried.
struct Frame {
    uint64_t pfn;
    uint64_t bfn;
    uint64_t foreign;  // 0 or 1 (a full word keeps the stride 24 bytes, aligned)
};

enum class Pattern : uint8_t {
    sequential,   // consecutive RAM pages (foreign: grants in pfn order)
    random_ram,   // uniform over RAM pages (foreign: uniform over grant pages)
    random_phys,  // local frames uniform over [0, 2^pa_bits): mostly holes
};
const char* pattern_name(Pattern p);
bool parse_pattern(std::string_view s, Pattern& out);

struct StreamSpec {
    Pattern pattern = Pattern::random_ram;
    unsigned foreign_percent = 0;  // exactly round(length * percent / 100) foreign frames
    size_t length = 4096;
    uint64_t seed = 1;
};

// Precomputes the stream (before any timing). Local frames never land on a
// granted pfn. Throws std::invalid_argument for a foreign share without
// grants, a percent above 100 or a map without RAM.
std::vector<Frame> make_stream(const MemoryMap& map, const StreamSpec& spec);

}  // namespace dmabench::lookup
