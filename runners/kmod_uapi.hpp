// The module's request table (kernels/kmod/dmabench_uapi.h) seen from C++:
// per request struct, its number and name, its timed operations (the STATS
// rows) and a setter of its input fields by name, all generated from
// DMABENCH_IOCTLS and the field rows. A case's request is then data (its
// args, by field name), and a new request needs no code here.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/kmod/dmabench_uapi.h"

namespace dmabench::kmod {

template <class S>
struct Uapi;

// An input row set by name: false when S has no input of that name; a value
// its type cannot hold is a logic error, never a silent truncation.
#define DMABENCH_CXX_SET(S, type, name, lo, hi, bad)                                       \
    if (key == #name) {                                                                    \
        r.name = static_cast<type>(value);                                                 \
        if (static_cast<uint64_t>(r.name) != value)                                        \
            throw std::logic_error(std::string(#S "." #name " cannot hold ") + std::to_string(value)); \
        return true;                                                                       \
    }
#define DMABENCH_CXX_SET_PTR(S, name) DMABENCH_CXX_SET(S, __u64, name, 0, 0, 0)
#define DMABENCH_CXX_STATS_NAME(S, name) #name,
#define DMABENCH_CXX_STATS_OF(S, name) &r.name,
#define DMABENCH_CXX_UAPI(NAME, lower, type, FIELDS, CLASS)                                \
    template <>                                                                            \
    struct Uapi<type> {                                                                    \
        static constexpr unsigned long number = DMABENCH_IOC_##NAME;                       \
        static constexpr const char* name = "DMABENCH_IOC_" #NAME;                         \
        static bool set([[maybe_unused]] type& r, [[maybe_unused]] std::string_view key,   \
                        [[maybe_unused]] uint64_t value) {                                 \
            FIELDS(type, DMABENCH_CXX_SET, DMABENCH_NO_OUT, DMABENCH_NO_DATA,              \
                   DMABENCH_NO_STATS, DMABENCH_CXX_SET_PTR)                                \
            return false;                                                                  \
        }                                                                                  \
        static std::vector<std::string> operations() {                                     \
            return {FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA,        \
                           DMABENCH_CXX_STATS_NAME, DMABENCH_NO_PTR)};                     \
        }                                                                                  \
        static std::vector<const dmabench_stats*> stats([[maybe_unused]] const type& r) {  \
            return {FIELDS(type, DMABENCH_NO_IN, DMABENCH_NO_OUT, DMABENCH_NO_DATA,        \
                           DMABENCH_CXX_STATS_OF, DMABENCH_NO_PTR)};                       \
        }                                                                                  \
    };
DMABENCH_IOCTLS(DMABENCH_CXX_UAPI)

// A case's arg as its input field's number: the uapi's enums by the names
// the cases use (dir, state, coherent, mode, op), else a decimal.
uint64_t field_value(std::string_view key, const std::string& value);

}  // namespace dmabench::kmod
