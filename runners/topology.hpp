// Machine topology, thread pinning and NUMA-bound memory, through hwloc.
#pragma once
#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace dmabench::topology {

// The PUs (OS indices) this process may run on, ascending.
std::vector<unsigned> pus();
// NUMA node (OS index) of a PU; 0 on machines without NUMA information.
int node_of(unsigned pu);
// Every NUMA node's OS index.
std::vector<int> nodes();

// Binds the calling thread to one PU and returns the PU it is then seen on
// (-1 if hwloc cannot tell): what was achieved, not what was asked.
int pin_thread(unsigned pu);

// Page-aligned memory bound to a NUMA node (or the caller's, node < 0).
void* alloc_on(std::size_t bytes, int node);
void free_on(void* p, std::size_t bytes);

// The default PUs for n threads: start one PU away from CPU 0 when there is
// more than one, so the benchmark does not share a core with most interrupts.
std::vector<unsigned> default_cpus(unsigned threads);

// Packages, NUMA nodes, cores, PUs and the cache hierarchy.
nlohmann::json summary();

}  // namespace dmabench::topology
