# Script mode (cmake -P), run on every build by the dmabench_build_info target:
# writes OUT with the version and the source's git revision at build time, and
# touches it only when they change, so an unchanged tree recompiles nothing.
#   cmake -DSOURCE_DIR=... -DVERSION=... -DOUT=... -P build_info.cmake
execute_process(COMMAND git -C "${SOURCE_DIR}" describe --always --dirty
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT rev)
  set(rev unknown)
endif()
file(WRITE "${OUT}.tmp"
     "#define DMABENCH_VERSION \"${VERSION}\"\n#define DMABENCH_BUILD_REVISION \"${rev}\"\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
