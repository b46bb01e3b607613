# Every dependency comes from a Debian package; nothing is vendored or fetched.
find_package(benchmark REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)  # dmabench lava: the record gzipped into a job log
find_package(PkgConfig REQUIRED)
pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)

# libpfm4 ships no pkg-config or CMake file: find it directly.
find_path(PFM_INCLUDE_DIR perfmon/pfmlib.h)
find_library(PFM_LIBRARY pfm)
if(NOT PFM_INCLUDE_DIR OR NOT PFM_LIBRARY)
  message(FATAL_ERROR "libpfm4 not found: install libpfm4-dev (bash cmake/setup.sh)")
endif()
add_library(pfm::pfm UNKNOWN IMPORTED)
set_target_properties(pfm::pfm PROPERTIES IMPORTED_LOCATION "${PFM_LIBRARY}"
                      INTERFACE_INCLUDE_DIRECTORIES "${PFM_INCLUDE_DIR}")

# Debian's interpreter sees python3-matplotlib; a pyenv python3 on PATH does not.
find_program(DMABENCH_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
if(NOT DMABENCH_PYTHON)
  find_program(DMABENCH_PYTHON python3)
endif()
