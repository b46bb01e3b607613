// CPU lists as Linux writes them ("0-3,8,10-11"), the --cpus syntax.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

namespace dmabench {

// Parses a list in the order given (duplicates refused); throws
// std::invalid_argument with a message naming the bad part.
std::vector<unsigned> parse_cpu_list(const std::string& text);

// "0-3,5" from a sorted list: how the accepted values are shown to the user.
std::string format_cpu_list(const std::vector<unsigned>& cpus);

}  // namespace dmabench
