#include "kernels/vm/vm.hpp"

namespace dmabench::vm {

const Op* op_named(std::string_view name) {
    for (const Op& op : ops)
        if (name == op.name) return &op;
    return nullptr;
}

std::span<const unsigned char> image() {
    return {dmabench_vm_guest_start, std::size_t(dmabench_vm_guest_end - dmabench_vm_guest_start)};
}

std::span<const unsigned char> loop_of(const Op& op) {
    const uint32_t i = index_of(op);
    return image().subspan(dmabench_vm_guest_loops[i], dmabench_vm_guest_sizes[i]);
}

}  // namespace dmabench::vm
