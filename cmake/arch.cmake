# DMABENCH_ARCH names the assembly file each kernel family builds: x86_64 or arm64.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(DMABENCH_ARCH arm64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(DMABENCH_ARCH x86_64)
else()
  message(FATAL_ERROR "dmabench supports x86_64 and arm64, not ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# dmabench_kernel_family(NAME SOURCES...): one library per kernel family,
# gathered into dmabench::kernels. Sources may use ${DMABENCH_ARCH}.S.
add_library(dmabench_kernels INTERFACE)
add_library(dmabench::kernels ALIAS dmabench_kernels)
function(dmabench_kernel_family name)
  add_library(kernels_${name} STATIC ${ARGN})
  target_include_directories(kernels_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dmabench_kernels INTERFACE kernels_${name})
endfunction()
