// The libFuzzer entry point without libFuzzer: the seed corpus, then seeded
// random mutations of it (flips, inserts, deletes, splices), for a few
// seconds. In the asan preset this runs every input under ASan and UBSan; the
// real coverage-guided run is tests/cli/lookup_fuzz.sh.
#include "tests/fuzz/lookup_fuzz.cpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace {

std::vector<std::string> corpus() {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(DMABENCH_SOURCE_DIR "/tests/fuzz/corpus/lookup")) {
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

int feed(const std::string& s) {
    return LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace

TEST(LookupFuzz, SeedCorpusParsesOrFailsCleanly) {
    auto seeds = corpus();
    ASSERT_GE(seeds.size(), 8u);
    for (const auto& s : seeds) EXPECT_EQ(feed(s), 0);
    // The seeds are valid inputs: each reaches its reader's success path.
    size_t profiles = 0;
    for (const auto& s : seeds)
        if (!s.empty() && s[0] == '\0' && s.find("\"name\"") != std::string::npos) {
            EXPECT_NO_THROW(parse_profile(std::string_view(s).substr(1), "seed")) << s.substr(1, 60);
            ++profiles;
        }
    EXPECT_GE(profiles, 5u);
}

TEST(LookupFuzz, SeededMutationsNeverCrash) {
    auto seeds = corpus();
    std::mt19937_64 rng(20140101);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    const char* tokens[] = {"{", "}", "[", "]", "\"", ",", ":", "\\u", "0x", "GiB", "\n", " : ", "-", "ffffffffffffffff",
                            "\"regions\"", "\"p2m\"", "\"type\": \"device\"", "System RAM", "reserved", "1e999"};
    unsigned runs = 0;
    while (runs < 50000 && std::chrono::steady_clock::now() < deadline) {
        std::string s = seeds[rng() % seeds.size()];
        for (unsigned k = 1 + rng() % 4; k; --k) {
            size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
            switch (rng() % 5) {
            case 0: if (at < s.size()) s[at] = char(s[at] ^ (1 << (rng() % 8))); break;
            case 1: s.insert(at, tokens[rng() % std::size(tokens)]); break;
            case 2: s.erase(at, rng() % 16); break;
            case 3: { const std::string& o = seeds[rng() % seeds.size()]; size_t from = rng() % (o.size() + 1);
                      s.insert(at, o.substr(from, rng() % 64)); break; }
            case 4: if (at < s.size()) s[at] = char(rng()); break;
            }
        }
        ASSERT_EQ(feed(s), 0);
        ++runs;
    }
    EXPECT_GT(runs, 100u);
}
