#include "runners/topology.hpp"

#include <hwloc.h>

#include <mutex>
#include <stdexcept>

namespace dmabench::topology {
namespace {

// One topology per process, loaded on first use; hwloc's binding and
// allocation calls are thread-safe on a loaded topology.
hwloc_topology_t topo() {
    static hwloc_topology_t t = [] {
        hwloc_topology_t t;
        if (hwloc_topology_init(&t) || hwloc_topology_load(t))
            throw std::runtime_error("hwloc cannot load the topology");
        return t;
    }();
    return t;
}

int count(hwloc_obj_type_t type) { return hwloc_get_nbobjs_by_type(topo(), type); }

}  // namespace

std::vector<unsigned> pus() {
    std::vector<unsigned> v;
    hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(topo());
    unsigned i;
    hwloc_bitmap_foreach_begin(i, allowed) v.push_back(i);
    hwloc_bitmap_foreach_end();
    return v;
}

int node_of(unsigned pu) {
    hwloc_obj_t obj = hwloc_get_pu_obj_by_os_index(topo(), pu);
    if (!obj) return 0;
    hwloc_obj_t n = nullptr;
    while ((n = hwloc_get_next_obj_by_type(topo(), HWLOC_OBJ_NUMANODE, n)))
        if (hwloc_bitmap_isset(n->cpuset, pu)) return int(n->os_index);
    return 0;
}

std::vector<int> nodes() {
    std::vector<int> v;
    hwloc_obj_t n = nullptr;
    while ((n = hwloc_get_next_obj_by_type(topo(), HWLOC_OBJ_NUMANODE, n)))
        v.push_back(int(n->os_index));
    if (v.empty()) v.push_back(0);
    return v;
}

int pin_thread(unsigned pu) {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    hwloc_bitmap_only(set, pu);
    int rc = hwloc_set_cpubind(topo(), set, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT);
    if (rc) rc = hwloc_set_cpubind(topo(), set, HWLOC_CPUBIND_THREAD);
    int seen = -1;
    if (rc == 0 && hwloc_get_last_cpu_location(topo(), set, HWLOC_CPUBIND_THREAD) == 0)
        seen = hwloc_bitmap_first(set);
    hwloc_bitmap_free(set);
    return seen;
}

void* alloc_on(std::size_t bytes, int node) {
    void* p = nullptr;
    if (node >= 0) {
        hwloc_bitmap_t set = hwloc_bitmap_alloc();
        hwloc_bitmap_only(set, unsigned(node));
        p = hwloc_alloc_membind(topo(), bytes, set, HWLOC_MEMBIND_BIND,
                                HWLOC_MEMBIND_BYNODESET);
        hwloc_bitmap_free(set);
    }
    // Without NUMA support (or binding refused), plain page-aligned memory.
    if (!p) p = hwloc_alloc(topo(), bytes);
    if (!p) throw std::bad_alloc();
    return p;
}

void free_on(void* p, std::size_t bytes) { hwloc_free(topo(), p, bytes); }

std::vector<unsigned> default_cpus(unsigned threads) {
    auto all = pus();
    std::vector<unsigned> v;
    std::size_t first = all.size() > 1 ? 1 : 0;
    for (unsigned i = 0; i < threads; ++i) v.push_back(all[(first + i) % all.size()]);
    return v;
}

nlohmann::json summary() {
    nlohmann::json caches = nlohmann::json::array();
    for (int depth = 0; depth < hwloc_topology_get_depth(topo()); ++depth) {
        hwloc_obj_t o = hwloc_get_obj_by_depth(topo(), depth, 0);
        if (!o || !hwloc_obj_type_is_cache(o->type)) continue;
        char type[64];
        hwloc_obj_type_snprintf(type, sizeof type, o, 0);
        caches.push_back({{"type", type},
                          {"size_bytes", o->attr->cache.size},
                          {"line_bytes", o->attr->cache.linesize},
                          {"ways", o->attr->cache.associativity},
                          {"count", hwloc_get_nbobjs_by_depth(topo(), depth)}});
    }
    return {{"packages", count(HWLOC_OBJ_PACKAGE)},
            {"numa_nodes", count(HWLOC_OBJ_NUMANODE)},
            {"cores", count(HWLOC_OBJ_CORE)},
            {"pus", count(HWLOC_OBJ_PU)},
            {"allowed_pus", pus()},
            {"caches", caches}};
}

}  // namespace dmabench::topology
