// Readers for board profiles (JSON), /proc/iomem and /sys/firmware/memmap.
//
// The JSON reader is written here rather than taken from nlohmann-json because
// every error, syntactic or semantic ("size" missing, regions overlapping),
// must name the line it is on, and nlohmann keeps no line per value.
#include "kernels/lookup/memmap.hpp"

#include <algorithm>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <sstream>

namespace dmabench::lookup {

namespace {

// --- a small strict JSON reader (RFC 8259) that remembers lines ----------------------

struct Json {
    enum class Kind { null, boolean, number, string, array, object };
    Kind kind = Kind::null;
    unsigned line = 0;
    bool boolean = false;
    std::string text;  // string contents, or the number as written
    std::vector<Json> items;         // array elements, or object values
    std::vector<std::string> keys;   // object keys, parallel to items

    const Json* find(std::string_view key) const {
        for (size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &items[i];
        return nullptr;
    }
};

const char* kind_word(Json::Kind k) {
    switch (k) {
    case Json::Kind::null: return "null";
    case Json::Kind::boolean: return "a boolean";
    case Json::Kind::number: return "a number";
    case Json::Kind::string: return "a string";
    case Json::Kind::array: return "an array";
    case Json::Kind::object: return "an object";
    }
    return "?";
}

class JsonReader {
public:
    JsonReader(std::string_view text, const std::string& file) : s_(text), file_(file) {}

    Json document() {
        skip_space();
        Json v = value(0);
        skip_space();
        if (pos_ != s_.size()) fail("unexpected text after the JSON value");
        return v;
    }

private:
    static constexpr unsigned kMaxDepth = 32;

    [[noreturn]] void fail(const std::string& msg) const { throw ParseError(file_, line_, msg); }

    void skip_space() {
        while (pos_ < s_.size()) {
            char c = s_[pos_];
            if (c == '\n') ++line_;
            else if (c != ' ' && c != '\t' && c != '\r') return;
            ++pos_;
        }
    }
    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    void expect(char c, const char* what) {
        if (peek() != c) fail(std::string("expected ") + what);
        ++pos_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    Json value(unsigned depth) {
        if (depth > kMaxDepth) fail("nested deeper than 32 levels");
        Json v;
        v.line = line_;
        char c = peek();
        if (c == '{') {
            v.kind = Json::Kind::object;
            ++pos_;
            skip_space();
            if (peek() == '}') { ++pos_; return v; }
            for (;;) {
                skip_space();
                if (peek() != '"') fail("expected a \"key\" in the object");
                unsigned key_line = line_;
                std::string key = string_body();
                for (const auto& k : v.keys)
                    if (k == key) throw ParseError(file_, key_line, "duplicate key \"" + key + "\"");
                skip_space();
                expect(':', "':' after the key");
                skip_space();
                v.keys.push_back(std::move(key));
                v.items.push_back(value(depth + 1));
                skip_space();
                if (peek() == ',') { ++pos_; continue; }
                expect('}', "',' or '}' in the object");
                return v;
            }
        }
        if (c == '[') {
            v.kind = Json::Kind::array;
            ++pos_;
            skip_space();
            if (peek() == ']') { ++pos_; return v; }
            for (;;) {
                skip_space();
                v.items.push_back(value(depth + 1));
                skip_space();
                if (peek() == ',') { ++pos_; continue; }
                expect(']', "',' or ']' in the array");
                return v;
            }
        }
        if (c == '"') {
            v.kind = Json::Kind::string;
            v.text = string_body();
            return v;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            v.kind = Json::Kind::number;
            v.text = number_text();
            return v;
        }
        if (literal("true")) { v.kind = Json::Kind::boolean; v.boolean = true; return v; }
        if (literal("false")) { v.kind = Json::Kind::boolean; return v; }
        if (literal("null")) return v;
        if (at_end()) fail("unexpected end of file");
        fail(std::string("unexpected character '") + c + "'");
    }

    std::string number_text() {
        size_t start = pos_;
        auto digits = [&] {
            size_t d = pos_;
            while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
            return pos_ - d;
        };
        if (peek() == '-') ++pos_;
        if (peek() == '0') ++pos_;
        else if (!digits()) fail("malformed number");
        if (peek() == '.') {
            ++pos_;
            if (!digits()) fail("malformed number");
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!digits()) fail("malformed number");
        }
        return std::string(s_.substr(start, pos_ - start));
    }

    unsigned hex4() {
        if (pos_ + 4 > s_.size()) fail("truncated \\u escape");
        unsigned v = 0;
        for (int i = 0; i < 4; ++i) {
            char c = s_[pos_++];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= unsigned(c - '0');
            else if (c >= 'a' && c <= 'f') v |= unsigned(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F') v |= unsigned(c - 'A' + 10);
            else fail("bad hex digit in \\u escape");
        }
        return v;
    }

    static void put_utf8(std::string& out, unsigned cp) {
        if (cp < 0x80) out += char(cp);
        else if (cp < 0x800) { out += char(0xc0 | (cp >> 6)); out += char(0x80 | (cp & 0x3f)); }
        else if (cp < 0x10000) {
            out += char(0xe0 | (cp >> 12)); out += char(0x80 | ((cp >> 6) & 0x3f)); out += char(0x80 | (cp & 0x3f));
        } else {
            out += char(0xf0 | (cp >> 18)); out += char(0x80 | ((cp >> 12) & 0x3f));
            out += char(0x80 | ((cp >> 6) & 0x3f)); out += char(0x80 | (cp & 0x3f));
        }
    }

    std::string string_body() {
        ++pos_;  // the opening quote
        std::string out;
        for (;;) {
            if (at_end()) fail("unterminated string");
            char c = s_[pos_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) fail("control character inside a string");
            if (c != '\\') { out += c; continue; }
            if (at_end()) fail("unterminated string");
            char e = s_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp = hex4();
                if (cp >= 0xdc00 && cp <= 0xdfff) fail("lone low surrogate in \\u escape");
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (!literal("\\u")) fail("high surrogate without its low half");
                    unsigned lo = hex4();
                    if (lo < 0xdc00 || lo > 0xdfff) fail("high surrogate without its low half");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                put_utf8(out, cp);
                break;
            }
            default: fail(std::string("unknown escape '\\") + e + "'");
            }
        }
    }

    std::string_view s_;
    const std::string& file_;
    size_t pos_ = 0;
    unsigned line_ = 1;
};

// --- profile fields -------------------------------------------------------------------

class ProfileReader {
public:
    explicit ProfileReader(const std::string& file) : file_(file) {}

    [[noreturn]] void fail(const Json& at, const std::string& msg) const { throw ParseError(file_, at.line, msg); }

    void only_keys(const Json& obj, std::initializer_list<std::string_view> allowed, const char* what) const {
        for (size_t i = 0; i < obj.keys.size(); ++i)
            if (const std::string& k = obj.keys[i]; std::find(allowed.begin(), allowed.end(), k) == allowed.end()) {
                const Json& v = obj.items[i];
                std::string list;
                for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                fail(v, "unknown key \"" + k + "\" in " + what + " (accepted: " + list + ")");
            }
    }

    const Json& need(const Json& obj, std::string_view key, Json::Kind kind, const char* what) const {
        const Json* v = obj.find(key);
        if (!v) fail(obj, std::string(what) + " needs \"" + std::string(key) + "\"");
        if (v->kind != kind)
            fail(*v, "\"" + std::string(key) + "\" must be " + kind_word(kind) + ", not " + kind_word(v->kind));
        return *v;
    }

    // An unsigned 64-bit value: a JSON integer, or a string holding decimal or
    // 0x-hex digits (underscores allowed) with an optional KiB/MiB/GiB/TiB suffix.
    uint64_t u64(const Json& v, std::string_view key) const {
        const std::string form = "\"" + std::string(key) +
                                 "\" takes an unsigned integer, or a string like \"0x8000_0000\" or \"2GiB\"";
        std::string_view t = v.text;
        if (v.kind == Json::Kind::number) {
            if (t.empty() || t.find_first_not_of("0123456789") != std::string_view::npos) fail(v, form);
        } else if (v.kind != Json::Kind::string) {
            fail(v, form);
        }
        uint64_t scale = 1;
        for (auto [suffix, shift] : {std::pair{"KiB", 10}, {"MiB", 20}, {"GiB", 30}, {"TiB", 40}}) {
            std::string_view sfx(suffix);
            if (t.size() > sfx.size() && t.substr(t.size() - sfx.size()) == sfx) {
                scale = uint64_t{1} << shift;
                t.remove_suffix(sfx.size());
                break;
            }
        }
        unsigned base = 10;
        if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
            base = 16;
            t.remove_prefix(2);
        }
        if (t.empty() || t.front() == '_' || t.back() == '_') fail(v, form);
        uint64_t value = 0;
        for (char c : t) {
            if (c == '_') continue;
            unsigned d;
            if (c >= '0' && c <= '9') d = unsigned(c - '0');
            else if (base == 16 && c >= 'a' && c <= 'f') d = unsigned(c - 'a' + 10);
            else if (base == 16 && c >= 'A' && c <= 'F') d = unsigned(c - 'A' + 10);
            else fail(v, form);
            if (value > (~uint64_t{0} - d) / base) fail(v, "\"" + std::string(key) + "\" does not fit in 64 bits");
            value = value * base + d;
        }
        if (value > ~uint64_t{0} / scale) fail(v, "\"" + std::string(key) + "\" does not fit in 64 bits");
        return value * scale;
    }

    uint64_t u64_or(const Json& obj, std::string_view key, uint64_t fallback) const {
        const Json* v = obj.find(key);
        return v ? u64(*v, key) : fallback;
    }

private:
    const std::string& file_;
};

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 48) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

std::string hex(uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

bool parse_hex(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 16) return false;
    uint64_t v = 0;
    for (char c : s) {
        v <<= 4;
        if (c >= '0' && c <= '9') v |= uint64_t(c - '0');
        else if (c >= 'a' && c <= 'f') v |= uint64_t(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= uint64_t(c - 'A' + 10);
        else return false;
    }
    out = v;
    return true;
}

bool read_file(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

// --- the profile's parts, each refused with the line it is on ----------------------

// name, source, description, pa_bits.
void parse_identity(const ProfileReader& p, const Json& doc, MemoryMap& map) {
    const Json& name = p.need(doc, "name", Json::Kind::string, "the profile");
    if (!valid_name(name.text))
        p.fail(name, "\"name\" \"" + name.text + "\" must be 1-48 characters of a-z, 0-9 and '-'");
    map.name = name.text;
    map.source = p.need(doc, "source", Json::Kind::string, "the profile").text;
    if (map.source.empty()) p.fail(doc, "\"source\" must say where the layout comes from");
    if (const Json* d = doc.find("description"); d && d->kind != Json::Kind::string)
        p.fail(*d, "\"description\" must be a string");
    if (const Json* b = doc.find("pa_bits")) {
        uint64_t bits = p.u64(*b, "pa_bits");
        if (bits < 32 || bits > 48) p.fail(*b, "\"pa_bits\" " + std::to_string(bits) + " is outside 32..48");
        map.pa_bits = unsigned(bits);
    }
}

// One {"base", "size", "type", "node", "name"} below 2^pa_bits.
Region parse_region(const ProfileReader& p, const Json& r, unsigned pa_bits) {
    if (r.kind != Json::Kind::object) p.fail(r, "each region is an object {\"base\", \"size\", \"type\"}");
    p.only_keys(r, {"base", "size", "type", "node", "name"}, "a region");
    const Json* base = r.find("base");
    const Json* size = r.find("size");
    if (!base || !size) p.fail(r, "a region needs \"base\" and \"size\"");
    Region reg;
    reg.base = p.u64(*base, "base");
    reg.size = p.u64(*size, "size");
    if (reg.size == 0) p.fail(*size, "\"size\" is zero");
    if (reg.base + reg.size < reg.base || reg.base + reg.size > uint64_t{1} << pa_bits)
        p.fail(*size, "region [" + hex(reg.base) + ", +" + hex(reg.size) + ") ends above 2^" +
                          std::to_string(pa_bits));
    if (const Json* t = r.find("type")) {
        if (t->kind != Json::Kind::string) p.fail(*t, "\"type\" must be a string");
        bool known = false;
        for (RegionKind k : {RegionKind::ram, RegionKind::nomap, RegionKind::hotplug, RegionKind::device})
            if (t->text == kind_name(k)) { reg.kind = k; known = true; }
        if (!known) p.fail(*t, "\"type\" \"" + t->text + "\" is not one of ram, nomap, hotplug, device");
    }
    if (const Json* n = r.find("node")) {
        uint64_t nid = p.u64(*n, "node");
        if (nid > 1023) p.fail(*n, "\"node\" " + std::to_string(nid) + " is above 1023");
        reg.nid = int(nid);
    }
    if (const Json* n = r.find("name"); n && n->kind != Json::Kind::string) p.fail(*n, "\"name\" must be a string");
    return reg;
}

// Overlaps are refused here, with both lines, before normalise() sorts them.
void refuse_overlaps(const std::vector<Region>& regions, const std::vector<unsigned>& lines,
                     const std::string& file) {
    std::vector<size_t> order(regions.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return regions[a].base < regions[b].base; });
    for (size_t k = 1; k < order.size(); ++k) {
        const Region& a = regions[order[k - 1]];
        const Region& b = regions[order[k]];
        if (a.end() > b.base)
            throw ParseError(file, std::max(lines[order[k - 1]], lines[order[k]]),
                             "region [" + hex(b.base) + ", " + hex(b.end()) + ") overlaps the region on line " +
                                 std::to_string(std::min(lines[order[k - 1]], lines[order[k]])));
    }
}

void parse_regions(const ProfileReader& p, const Json& doc, MemoryMap& map, const std::string& file) {
    const Json& regions = p.need(doc, "regions", Json::Kind::array, "the profile");
    if (regions.items.empty()) p.fail(regions, "\"regions\" is empty");
    std::vector<unsigned> lines;
    for (const Json& r : regions.items) {
        map.regions.push_back(parse_region(p, r, map.pa_bits));
        lines.push_back(r.line);
    }
    refuse_overlaps(map.regions, lines, file);
}

// "p2m": [{"pfn", "mfn", "pages"}...], disjoint by pfn.
void parse_p2m(const ProfileReader& p, const Json& doc, MemoryMap& map) {
    const Json* p2m = doc.find("p2m");
    if (!p2m) return;
    if (p2m->kind != Json::Kind::array) p.fail(*p2m, "\"p2m\" must be an array");
    std::vector<std::pair<P2mRange, unsigned>> seen;
    for (const Json& e : p2m->items) {
        if (e.kind != Json::Kind::object) p.fail(e, "each p2m entry is an object {\"pfn\", \"mfn\", \"pages\"}");
        p.only_keys(e, {"pfn", "mfn", "pages"}, "a p2m entry");
        P2mRange r;
        const Json* pfn = e.find("pfn");
        const Json* mfn = e.find("mfn");
        if (!pfn || !mfn) p.fail(e, "a p2m entry needs \"pfn\" and \"mfn\"");
        r.pfn = p.u64(*pfn, "pfn");
        r.mfn = p.u64(*mfn, "mfn");
        r.nr_pages = p.u64_or(e, "pages", 1);
        if (r.nr_pages == 0 || r.pfn + r.nr_pages < r.pfn || r.mfn + r.nr_pages < r.mfn)
            p.fail(e, "p2m entry at pfn " + hex(r.pfn) + " is empty or wraps");
        for (const auto& [o, line] : seen)
            if (r.pfn < o.pfn + o.nr_pages && o.pfn < r.pfn + r.nr_pages)
                p.fail(e, "p2m entry at pfn " + hex(r.pfn) + " overlaps the entry on line " + std::to_string(line));
        seen.emplace_back(r, e.line);
        map.p2m.push_back(r);
    }
}

// "grants": {"count", "seed"}: how many foreign grants to draw; count 0 when absent.
struct Grants {
    uint64_t count = 0, seed = 1;
};
Grants parse_grants(const ProfileReader& p, const Json& doc) {
    Grants out;
    const Json* g = doc.find("grants");
    if (!g) return out;
    if (g->kind != Json::Kind::object) p.fail(*g, "\"grants\" is an object {\"count\", \"seed\"}");
    p.only_keys(*g, {"count", "seed"}, "\"grants\"");
    const Json* count = g->find("count");
    if (!count) p.fail(*g, "\"grants\" needs \"count\"");
    out.count = p.u64(*count, "count");
    if (out.count == 0 || out.count > 65536) p.fail(*count, "\"count\" must be 1..65536");
    out.seed = p.u64_or(*g, "seed", 1);
    return out;
}

}  // namespace

MemoryMap parse_profile(std::string_view text, const std::string& file) {
    Json doc = JsonReader(text, file).document();
    ProfileReader p(file);
    if (doc.kind != Json::Kind::object) p.fail(doc, "a profile is a JSON object");
    p.only_keys(doc, {"name", "description", "source", "pa_bits", "regions", "p2m", "grants"}, "the profile");
    MemoryMap map;
    parse_identity(p, doc, map);
    parse_regions(p, doc, map, file);
    parse_p2m(p, doc, map);
    const Grants grants = parse_grants(p, doc);
    try {
        normalise(map);
        if (grants.count) add_foreign_grants(map, unsigned(grants.count), grants.seed);
    } catch (const std::invalid_argument& e) {
        throw ParseError(file, doc.line, e.what());
    }
    return map;
}

MemoryMap parse_iomem(std::string_view text, const std::string& file, bool arm64_nomap) {
    MemoryMap map;
    map.name = "host";
    std::vector<unsigned> lines;
    bool any_line = false, any_nonzero = false;
    unsigned first_line = 0, line = 0;
    size_t pos = 0;
    const char* form = "expected \"<start>-<end> : <name>\" with hex addresses";
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view l = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line;
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.find_first_not_of(' ') == std::string_view::npos) continue;
        size_t indent = l.find_first_not_of(' ');
        std::string_view rest = l.substr(indent);
        size_t dash = rest.find('-');
        size_t colon = rest.find(" : ");
        uint64_t start = 0, end = 0;
        if (dash == std::string_view::npos || colon == std::string_view::npos || dash > colon ||
            !parse_hex(rest.substr(0, dash), start) || !parse_hex(rest.substr(dash + 1, colon - dash - 1), end))
            throw ParseError(file, line, form);
        if (end < start) throw ParseError(file, line, "end " + hex(end) + " is below start " + hex(start));
        if (!any_line) first_line = line;
        any_line = true;
        any_nonzero = any_nonzero || start || end;
        if (indent) continue;  // children of a top-level entry: kernel code, reserved, devices
        std::string_view name = rest.substr(colon + 3);
        RegionKind kind;
        if (name == "System RAM") kind = RegionKind::ram;
        else if (arm64_nomap && name == "reserved") kind = RegionKind::nomap;
        else continue;
        if (end == ~uint64_t{0}) throw ParseError(file, line, "range ends at the top of the 64-bit space");
        if (end + 1 > (uint64_t{1} << map.pa_bits))
            throw ParseError(file, line, "range ends above the 48-bit physical space the replicas model");
        map.regions.push_back({start, end - start + 1, kind, 0});
        lines.push_back(line);
    }
    if (any_line && !any_nonzero)
        throw ParseError(file, first_line,
                         "every address reads 0: the kernel shows /proc/iomem addresses to root only");
    for (size_t i = 1; i < map.regions.size(); ++i)
        if (map.regions[i - 1].end() > map.regions[i].base)
            throw ParseError(file, lines[i], "range overlaps or is below the one on line " + std::to_string(lines[i - 1]));
    size_t nomap = size_t(std::count_if(map.regions.begin(), map.regions.end(),
                                        [](const Region& r) { return r.kind == RegionKind::nomap; }));
    map.source = file + ": " + std::to_string(map.regions.size() - nomap) + " System RAM ranges" +
                 (arm64_nomap ? ", " + std::to_string(nomap) + " reserved (NOMAP) ranges" : "");
    normalise(map);
    return map;
}

FirmwareEntry parse_firmware_memmap_entry(std::string_view start, std::string_view end, std::string_view type,
                                          const std::string& dir) {
    auto number = [&](std::string_view s, const char* leaf) {
        while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
        if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
        uint64_t v = 0;
        if (!parse_hex(s, v)) throw ParseError(dir + "/" + leaf, 1, "expected a 0x-prefixed hex address");
        return v;
    };
    FirmwareEntry e;
    e.start = number(start, "start");
    e.end = number(end, "end");
    if (e.end < e.start) throw ParseError(dir + "/end", 1, "end " + hex(e.end) + " is below start " + hex(e.start));
    while (!type.empty() && type.back() == '\n') type.remove_suffix(1);
    e.type = std::string(type);
    return e;
}

namespace {

// The firmware map may list touching or repeated ranges: sorted, then folded.
std::vector<Region> folded(std::vector<Region> regions) {
    std::sort(regions.begin(), regions.end(), [](const Region& a, const Region& b) { return a.base < b.base; });
    std::vector<Region> out;
    for (const Region& r : regions) {
        if (!out.empty() && out.back().end() >= r.base) {
            uint64_t end = std::max(out.back().end(), r.end());
            out.back().size = end - out.back().base;
        } else {
            out.push_back(r);
        }
    }
    return out;
}

// The numbered entries of a /sys/firmware/memmap directory, in index order.
std::vector<std::string> firmware_entries(const std::string& dir) {
    std::vector<std::pair<unsigned, std::string>> entries;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* de = readdir(d)) {
            std::string n = de->d_name;
            if (!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() < 9)
                entries.emplace_back(unsigned(std::stoul(n)), n);
        }
        closedir(d);
    }
    std::sort(entries.begin(), entries.end());
    std::vector<std::string> out;
    for (auto& [index, n] : entries) out.push_back(dir + "/" + n);
    return out;
}

// The System RAM entries of the firmware's map, folded; throws on an entry it cannot read.
std::vector<Region> firmware_ram(const std::vector<std::string>& entries, unsigned pa_bits) {
    std::vector<Region> ram;
    for (const std::string& dir : entries) {
        std::string s, e, t;
        if (!read_file(dir + "/start", s) || !read_file(dir + "/end", e) || !read_file(dir + "/type", t))
            throw std::runtime_error("cannot read " + dir);
        FirmwareEntry fe = parse_firmware_memmap_entry(s, e, t, dir);
        if (fe.type != "System RAM") continue;
        if (fe.end == ~uint64_t{0} || fe.end + 1 > (uint64_t{1} << pa_bits))
            throw ParseError(dir + "/end", 1, "range ends above the 48-bit physical space");
        ram.push_back({fe.start, fe.end - fe.start + 1, RegionKind::ram, 0});
    }
    return folded(std::move(ram));
}

// /sys/firmware/memmap: the firmware's map (x86 e820, kexec), where present;
// out.why already says why /proc/iomem did not do, and gains why this does not.
void read_firmware_memmap(const std::string& dir, HostMap& out) {
    out.map = MemoryMap{};
    out.map.name = "host";
    const std::vector<std::string> entries = firmware_entries(dir);
    if (entries.empty()) {
        out.why += "; no entries in " + dir;
        return;
    }
    try {
        out.map.regions = firmware_ram(entries, out.map.pa_bits);
        normalise(out.map);
    } catch (const std::exception& e) {
        out.why += std::string("; ") + e.what();
        out.map.regions.clear();
        return;
    }
    if (out.map.regions.empty()) {
        out.why += "; " + dir + " lists no System RAM";
        return;
    }
    out.map.source = dir + ": " + std::to_string(out.map.regions.size()) +
                     " System RAM ranges (fallback: " + out.why + ")";
}

}  // namespace

HostMap read_host_map(const std::string& proc_iomem, const std::string& firmware_memmap) {
    HostMap out;
#if defined(__aarch64__)
    const bool arm64 = true;
#else
    const bool arm64 = false;
#endif
    std::string text;
    if (!read_file(proc_iomem, text)) {
        out.why = "cannot read " + proc_iomem;
    } else {
        try {
            out.map = parse_iomem(text, proc_iomem, arm64);
            if (out.ok()) return out;
            out.why = proc_iomem + " lists no System RAM";
        } catch (const std::exception& e) {
            out.why = e.what();
        }
    }
    read_firmware_memmap(firmware_memmap, out);
    return out;
}

}  // namespace dmabench::lookup
