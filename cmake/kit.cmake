# The kit for boards: `cmake --workflow --preset arm64-kit` (or x86_64-kit)
# packs build/<preset>/dmabench-<version>-<arch>.tar.gz with CPack. The binary
# runs through its own dynamic loader and libraries (cmake/closure.sh), so a
# board needs no packages and no Python; the arm64 system test boots this kit.

# Version and git revision baked in at build time: a kit has no source tree
# to ask at run time, and a configure-time value goes stale.
set(build_info_dir ${PROJECT_BINARY_DIR}/generated)
add_custom_target(dmabench_build_info
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DVERSION=${PROJECT_VERSION}
          -DOUT=${build_info_dir}/build_info.h -P ${CMAKE_CURRENT_LIST_DIR}/build_info.cmake
  BYPRODUCTS ${build_info_dir}/build_info.h VERBATIM)
add_dependencies(dmabench dmabench_build_info)
target_include_directories(dmabench PRIVATE ${build_info_dir})

# The install tree is the kit, glibc included: never /usr/local by default.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX ${PROJECT_BINARY_DIR}/kit-root CACHE PATH "where the kit is installed" FORCE)
endif()

# The kit's layout is the install tree: the launcher, README and LAVA test
# definition (lava.yaml, lava.sh) at the top,
# bin/dmabench, lib/ (libraries and loader), kmod/ (module sources),
# results/runs/ (where runs go) and the marker dmabench looks for.
set(KIT_MACHINE ${CMAKE_SYSTEM_PROCESSOR})  # uname -m on the board: aarch64, x86_64
configure_file(${CMAKE_CURRENT_LIST_DIR}/kit/launcher.sh.in ${PROJECT_BINARY_DIR}/kit/dmabench
               @ONLY)
file(WRITE ${PROJECT_BINARY_DIR}/kit/.dmabench-kit
     "dmabench ${PROJECT_VERSION} ${DMABENCH_ARCH}: runs go to results/runs here\n")
# First rule: refuse a system prefix, whose lib/ the system's loader searches
# (a kit's glibc there would replace the system's).
install(CODE "
  get_filename_component(root \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}\" REALPATH)
  if(root MATCHES \"^/(usr(/local)?)?$\")
    message(FATAL_ERROR \"kit: prefix \${root}: a system prefix (accepted: cpack, the kit \"
                        \"workflow presets, or --prefix DIR with a directory of its own)\")
  endif()
")
install(TARGETS dmabench RUNTIME DESTINATION bin)
install(PROGRAMS ${PROJECT_BINARY_DIR}/kit/dmabench DESTINATION .)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kit/README.md ${PROJECT_BINARY_DIR}/kit/.dmabench-kit
        DESTINATION .)
# The LAVA test definition and its script (the README's "In a board farm").
install(FILES ${CMAKE_CURRENT_LIST_DIR}/kit/lava.yaml DESTINATION .)
install(PROGRAMS ${CMAKE_CURRENT_LIST_DIR}/kit/lava.sh DESTINATION .)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/kernels/kmod/ DESTINATION kmod
        FILES_MATCHING PATTERN "*.c" PATTERN "*.h" PATTERN "Kbuild" PATTERN "Makefile"
                       PATTERN "README.md")
install(DIRECTORY DESTINATION results/runs)
install(CODE "
  execute_process(COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/closure.sh $<TARGET_FILE:dmabench>
                  OUTPUT_VARIABLE libs COMMAND_ERROR_IS_FATAL ANY)
  string(REPLACE \"\\n\" \";\" libs \"\${libs}\")
  set(dest \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib\")
  file(MAKE_DIRECTORY \"\${dest}\")
  # cp -L: the real files under the names the loader asks for.
  execute_process(COMMAND cp -L \${libs} \"\${dest}\" COMMAND_ERROR_IS_FATAL ANY)
")

set(CPACK_GENERATOR TGZ)
set(CPACK_PACKAGE_FILE_NAME dmabench-${PROJECT_VERSION}-${DMABENCH_ARCH})
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR})
# Packing needs the binary only, not every test program.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
include(CPack)
