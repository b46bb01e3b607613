#include "runners/cpulist.hpp"

#include <algorithm>
#include <charconv>

namespace dmabench {
namespace {

unsigned parse_number(const std::string& s, const std::string& whole) {
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v > 65535)
        throw std::invalid_argument("'" + whole + "': '" + s +
                                    "' is not a CPU number (accepted: N, N-M, lists "
                                    "like 0-3,6)");
    return v;
}

}  // namespace

std::vector<unsigned> parse_cpu_list(const std::string& text) {
    std::vector<unsigned> cpus;
    if (text.empty())
        throw std::invalid_argument("'': empty CPU list (accepted: N, N-M, lists like 0-3,6)");
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t comma = text.find(',', pos);
        std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos
                                                                      : comma - pos);
        std::size_t dash = part.find('-');
        unsigned lo = parse_number(part.substr(0, dash), text);
        unsigned hi = dash == std::string::npos ? lo : parse_number(part.substr(dash + 1), text);
        if (hi < lo)
            throw std::invalid_argument("'" + text + "': range '" + part +
                                        "' runs backwards (write N-M with N <= M)");
        for (unsigned c = lo; c <= hi; ++c) {
            if (std::find(cpus.begin(), cpus.end(), c) != cpus.end())
                throw std::invalid_argument("'" + text + "': CPU " + std::to_string(c) +
                                            " appears twice");
            cpus.push_back(c);
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return cpus;
}

std::string format_cpu_list(const std::vector<unsigned>& cpus) {
    std::string s;
    for (std::size_t i = 0; i < cpus.size();) {
        std::size_t j = i;
        while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
        if (!s.empty()) s += ',';
        s += std::to_string(cpus[i]);
        if (j > i) s += '-' + std::to_string(cpus[j]);
        i = j + 1;
    }
    return s;
}

}  // namespace dmabench
