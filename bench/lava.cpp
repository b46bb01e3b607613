// `dmabench lava RUN.json...`: a run's headline figures as LAVA test cases,
// then the run itself, so that a board farm's job log carries the record
// whatever the lab keeps of artifacts. The kit's test definition
// (cmake/kit/lava.yaml) runs these lines; report/lava.py reads them back.
#include "bench/commands.hpp"
#include "bench/registry.hpp"
#include "results/stats.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace dmabench {
namespace {

using nlohmann::json;

// --- Case names: LAVA makes each a directory and a URL path, so a name is
// written in [-_.A-Za-z0-9]: '/' as '.', ':' as '-', and any other byte
// (a literal '.', '-', a space) as _HH (upper-case hex). A literal '_'
// before an upper-case hex digit is written _5F, so that decoding is exact
// (report/lava.py's case_name is the inverse).
bool upper_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }
bool kept(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string lava_name(const std::string& name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool escaped_underscore = c == '_' && i + 1 < name.size() && upper_hex(name[i + 1]);
        if (c == '/') out += '.';
        else if (c == ':') out += '-';
        else if (kept(c) && !escaped_underscore) out += c;
        else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "_%02X", static_cast<unsigned char>(c));
            out += hex;
        }
    }
    return out;
}

// --- The headline figures, chosen by the cases' tags as report/findings.py
// chooses its findings. Each is the median over repetitions of the case's
// time per unit (ns_per_<unit>), or its ratio to the family's direct call.
struct Figure {
    const char* name;   // the case name's first part
    const char* units;  // LAVA's --units
    bool (*selects)(const json& tags);
    bool ratio;         // to the direct call of the same family
};

std::string tag(const json& t, const char* key) {
    auto it = t.find(key);
    return it != t.end() && it->is_string() ? it->get<std::string>() : "";
}
std::string arg(const json& t, const char* key) {
    return t.contains("args") && t["args"].is_object() ? tag(t["args"], key) : "";
}
bool is_exit(const json& t) { return tag(t, "kind") == "exit"; }
bool is_flush(const json& t) {
    auto size = arg(t, "size"), state = arg(t, "state");
    return tag(t, "family") == "cache" && tag(t, "unit") == "line" && t.value("lead", false) &&
           (size == "4096" || size == "1048576") && (state == "dirty" || state == "cold") &&
           arg(t, "offset").empty() && arg(t, "buffer").empty() &&
           (arg(t, "threads").empty() || arg(t, "threads") == "1");
}
bool is_map_unmap(const json& t) {
    auto variant = tag(t, "variant");
    return tag(t, "op") == "pair" &&
           (tag(t, "family") == "kmod" || variant == "native" || variant == "swiotlb");
}
// The baseline of a ratio: the family's direct call (the module's: kmod/call).
bool is_direct_call(const json& t) {
    auto variant = tag(t, "variant");
    return tag(t, "kind") == "call" && (variant == "direct" || variant == "call");
}

constexpr std::array<Figure, 4> figures{{
    {"hypercall_ns", "ns", is_exit, false},
    {"hypercall_ratio", "x", is_exit, true},
    {"flush_ns_per_line", "ns", is_flush, false},
    {"map_unmap_ns", "ns", is_map_unmap, false},
}};

struct TestCase {
    std::string name, result;
    double measurement = 0;
    std::string units;  // empty: no measurement (fail, skip)
};

// LAVA silently drops a case whose measurement is not a number: none is a skip.
TestCase measured(const std::string& id, double value, const char* units) {
    if (!std::isfinite(value)) return {id, "skip"};
    return {id, "pass", value, units};
}

std::string case_line(const TestCase& c) {
    std::string line = "lava-test-case " + c.name + " --result " + c.result;
    if (!c.units.empty()) {
        char num[32];
        std::snprintf(num, sizeof num, "%.6g", c.measurement);
        line += std::string(" --measurement ") + num + " --units " + c.units;
    }
    return line;
}

// Every repetition's time per unit of each case, and the cases that erred.
struct Timed {
    std::map<std::string, std::vector<double>> samples;
    std::set<std::string> errors;
};

Timed timed(const json& doc, const json& cases) {
    Timed t;
    std::set<std::string> units;
    for (auto& [name, tags] : cases.items()) units.insert(tag(tags, "unit"));
    for (auto& unit : units)
        for (auto& [name, v] : results::samples(doc, "ns_per_" + unit))
            if (auto c = cases.find(name); c != cases.end() && tag(*c, "unit") == unit) t.samples[name] = v;
    for (auto& b : doc["benchmarks"])
        if (b.value("error_occurred", false)) t.errors.insert(b.value("run_name", b.value("name", "")));
    return t;
}

std::vector<TestCase> figure_cases(const json& doc) {
    const json& cases = doc["context"]["dmabench"]["cases"];
    Timed t = timed(doc, cases);
    std::map<std::string, std::string> direct;  // family -> its direct call
    for (auto& [name, tags] : cases.items())
        if (is_direct_call(tags) && t.samples.count(name)) direct.emplace(tag(tags, "family"), name);
    std::vector<TestCase> out;
    for (const Figure& f : figures) {
        for (auto& [name, tags] : cases.items()) {
            if (!f.selects(tags)) continue;
            std::string id = std::string(f.name) + "." + lava_name(name);
            auto s = t.samples.find(name);
            if (t.errors.count(name)) out.push_back({id, "fail"});
            if (s == t.samples.end()) continue;  // skipped here: listed by the record, not a case
            auto base = direct.find(tag(tags, "family"));
            if (!f.ratio) out.push_back(measured(id, results::median(s->second), f.units));
            else if (base != direct.end())
                out.push_back(measured(id, results::hl_ratio(s->second, t.samples[base->second]).value, f.units));
        }
    }
    return out;
}

// A word for a case name (a file name: also '.'): each run of characters outside [-_A-Za-z0-9] as one
// '_' ("not supported: indistinguishable" -> not_supported_indistinguishable).
std::string slug(const std::string& text, const char* also = "-") {
    std::string out;
    for (char c : text)
        if (kept(c) || std::strchr(also, c)) out += c;
        else if (out.empty() || out.back() != '_') out += '_';
    while (!out.empty() && out.back() == '_') out.pop_back();
    return out;
}

// An experiment's verdicts, one case per group (the baseline or era the
// verdict is given per): pass once judged, with the verdict in the name
// (experiment.NAME.GROUP.VERDICT) and the median ratio of the group's
// comparisons as the measurement; one skip case (experiment.NAME) when
// nothing could be compared here. An error writes no record: the
// definition reports it as fail.
std::vector<TestCase> experiment_cases(const json& e) {
    std::string name = "experiment." + slug(e.value("name", "?"));
    std::vector<TestCase> out;
    for (auto& g : e.value("groups", json::array())) {
        std::vector<double> ratios;
        for (auto& c : e.value("comparisons", json::array()))
            if (c.value("group", "") == g.value("group", "") && c["ratio"].is_number())
                ratios.push_back(c["ratio"].get<double>());
        if (ratios.empty()) continue;
        out.push_back({name + "." + slug(g.value("group", "?")) + "." + slug(g.value("verdict", "?")), "pass",
                       results::median(ratios), "x"});
    }
    if (out.empty()) out.push_back({name, "skip"});
    return out;
}

// --- The record in the log: gzip (zlib), base64, 76 columns, between
// DMABENCH-BEGIN NAME.gz bytes=N sha256=HEX and DMABENCH-END NAME.gz, where
// N and HEX are of the JSON as read (the system tests' form).
std::string gzip(const std::string& in) {
    z_stream z{};
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("zlib: deflateInit2 failed");
    std::string out(deflateBound(&z, in.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate did not finish");
    return out;
}

std::vector<std::string> base64_lines(const std::string& in, std::size_t width = 76) {
    static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string s;
    for (std::size_t i = 0; i < in.size(); i += 3) {
        uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
        if (i + 2 < in.size()) v |= uint8_t(in[i + 2]);
        std::size_t n = std::min<std::size_t>(3, in.size() - i);  // bytes in this group
        for (std::size_t k = 0; k < 4; ++k) s += k <= n ? abc[(v >> (18 - 6 * k)) & 63] : '=';
    }
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < s.size(); i += width) lines.push_back(s.substr(i, width));
    return lines;
}

// SHA-256 (FIPS 180-4), so that the kit needs nothing of the board.
std::string sha256(const std::string& data) {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::string m = data + '\x80';
    while (m.size() % 64 != 56) m += '\0';
    for (int i = 7; i >= 0; --i) m += char((uint64_t(data.size()) * 8) >> (8 * i));
    auto rot = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
    for (std::size_t off = 0; off < m.size(); off += 64) {
        uint32_t w[64], v[8];
        for (int i = 0; i < 16; ++i)
            w[i] = uint32_t(uint8_t(m[off + 4 * i])) << 24 | uint32_t(uint8_t(m[off + 4 * i + 1])) << 16 |
                   uint32_t(uint8_t(m[off + 4 * i + 2])) << 8 | uint8_t(m[off + 4 * i + 3]);
        for (int i = 16; i < 64; ++i)
            w[i] = w[i - 16] + (rot(w[i - 15], 7) ^ rot(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
                   (rot(w[i - 2], 17) ^ rot(w[i - 2], 19) ^ (w[i - 2] >> 10));
        std::copy(h, h + 8, v);
        for (int i = 0; i < 64; ++i) {
            uint32_t t1 = v[7] + (rot(v[4], 6) ^ rot(v[4], 11) ^ rot(v[4], 25)) +
                          ((v[4] & v[5]) ^ (~v[4] & v[6])) + k[i] + w[i];
            uint32_t t2 = (rot(v[0], 2) ^ rot(v[0], 13) ^ rot(v[0], 22)) +
                          ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
            std::copy_backward(v, v + 7, v + 8);
            v[4] += t1;
            v[0] = t1 + t2;
        }
        for (int i = 0; i < 8; ++i) h[i] += v[i];
    }
    char hex[65];
    for (int i = 0; i < 8; ++i) std::snprintf(hex + 8 * i, 9, "%08x", h[i]);
    return hex;
}

std::string read_run(const std::string& path, json& doc) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BadInput(path + ": cannot read it; accepted: a result file of dmabench run or experiment");
    std::ostringstream text;
    text << in.rdbuf();
    doc = json::parse(text.str(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc["benchmarks"].is_array() ||
        !std::all_of(doc["benchmarks"].begin(), doc["benchmarks"].end(), [](auto& b) { return b.is_object(); }) ||
        !doc["context"].is_object() || !doc["context"].contains("dmabench") ||
        !doc["context"]["dmabench"].is_object())
        throw BadInput(path + ": not a dmabench record (JSON with context.dmabench and benchmarks); "
                              "accepted: a result file of dmabench run or experiment");
    return text.str();
}

}  // namespace

int cmd_lava(const std::vector<std::string>& runs) {
    // Every file is read and checked before a line is printed.
    std::vector<std::pair<std::string, json>> docs(runs.size());
    std::vector<std::string> texts;
    for (std::size_t i = 0; i < runs.size(); ++i) texts.push_back(read_run(runs[i], docs[i].second));
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const json& db = docs[i].second["context"]["dmabench"];
        std::vector<TestCase> cases;
        if (db.contains("experiment") && db["experiment"].is_object())
            cases = experiment_cases(db["experiment"]);
        else if (db.contains("cases") && db["cases"].is_object())
            cases = figure_cases(docs[i].second);
        for (const TestCase& c : cases) std::printf("%s\n", case_line(c).c_str());
        std::string name = slug(runs[i].substr(runs[i].find_last_of('/') + 1), "-.") + ".gz";
        std::printf("DMABENCH-BEGIN %s bytes=%zu sha256=%s\n", name.c_str(), texts[i].size(),
                    sha256(texts[i]).c_str());
        for (auto& line : base64_lines(gzip(texts[i]))) std::printf("%s\n", line.c_str());
        std::printf("DMABENCH-END %s\n", name.c_str());
    }
    return 0;
}

}  // namespace dmabench
