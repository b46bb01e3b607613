#include "bench/registry.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

namespace dmabench {
namespace {

std::vector<std::pair<std::string, FamilyFn>>& families() {
    static std::vector<std::pair<std::string, FamilyFn>> f;
    return f;
}

// family/variant/arg:value...: lowercase words, so names sort and grep alike
// in `list`, the JSON, the plots and the text. A family whose rows are all
// one arg (vm/exit:hvc) has no variant.
const std::regex& name_form() {
    static const std::regex r("[a-z0-9_]+(/[a-z0-9_]+)?(/[a-z0-9_]+:[A-Za-z0-9_.+-]+)*");
    return r;
}

}  // namespace

std::vector<std::string> values(std::span<const uint64_t> v) {
    std::vector<std::string> out;
    for (uint64_t x : v) out.push_back(std::to_string(x));
    return out;
}

std::vector<Args> sweep(const Options& o, const std::vector<Axis>& axes) {
    std::vector<Args> points{{}};
    for (const Axis& axis : axes) {
        std::vector<Args> next;
        for (const Args& p : points)
            for (const std::string& v : axis.at(o)) {
                next.push_back(p);
                next.back().emplace_back(axis.key, v);
            }
        points = std::move(next);
    }
    return points;
}

FamilyRegistrar::FamilyRegistrar(const char* family, FamilyFn fn) {
    families().emplace_back(family, fn);
}

void Registry::variant(Variant v) {
    if (v.name.find('/') == std::string::npos || !std::regex_match(v.name, name_form()))
        throw std::logic_error("variant name '" + v.name + "' is not family/variant");
    variants_.push_back(std::move(v));
}

void Registry::add(Case c) {
    c.name = c.family + (c.variant.empty() ? "" : "/" + c.variant);
    for (const Arg& a : c.args) c.name += "/" + a.key + ":" + a.value;
    if (c.name == c.family || !std::regex_match(c.name, name_form()))
        throw std::logic_error("benchmark name '" + c.name +
                               "' is not family/variant/arg:value...");
    cases_.push_back(std::move(c));
}

Registry Registry::build(Options options) {
    Registry r(std::move(options));
    auto fams = families();
    std::sort(fams.begin(), fams.end());
    for (auto& [name, fn] : fams) fn(r);
    return r;
}

// Google Benchmark 1.7 appends the time type, then the thread count; every
// case is timed by the harness (manual time).
std::string Registry::reported_name(const Case& c) const {
    std::string n = c.name + "/manual_time";
    if (c.threaded && options_.threads > 1) n += "/threads:" + std::to_string(options_.threads);
    return n;
}

nlohmann::json Registry::tags_json(const Case& c) const {
    nlohmann::json args = nlohmann::json::object();
    for (const Arg& a : c.args) args[a.key] = a.value;
    nlohmann::json j = {{"family", c.family}, {"variant", c.variant}, {"args", args},
                        {"op", c.op}, {"unit", c.per()}};
    for (auto& [k, v] : c.tags.items()) j[k] = v;
    return j;
}

}  // namespace dmabench
