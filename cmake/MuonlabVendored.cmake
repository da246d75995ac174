# Header-only dependencies from a folder instead of installed packages, for a machine without Debian packages (the
# GPU machine: CUDA, PyTorch, CMake and Python only). scripts/gpu_pack fills the folder on a Debian machine:
#   DIR/include/{CLI,nlohmann,fmt,catch2}   the headers of CLI11, nlohmann-json, fmt (used header-only), Catch2 v2
#   DIR/cmake/{Catch,CatchAddTests}.cmake   Catch2's test discovery
# The targets are named as the packages' own, so the rest of the build does not know the difference.
function(muonlab_vendored_target name)
  add_library(${name} INTERFACE IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${MUONLAB_VENDOR_DIR}/include")
endfunction()

foreach(header CLI/CLI.hpp nlohmann/json.hpp fmt/format.h catch2/catch.hpp)
  if(NOT EXISTS "${MUONLAB_VENDOR_DIR}/include/${header}")
    message(FATAL_ERROR "MUONLAB_VENDOR_DIR=${MUONLAB_VENDOR_DIR} has no include/${header} (run scripts/gpu_pack)")
  endif()
endforeach()
muonlab_vendored_target(CLI11::CLI11)
muonlab_vendored_target(nlohmann_json::nlohmann_json)
muonlab_vendored_target(Catch2::Catch2)
foreach(fmt_target fmt::fmt fmt::fmt-header-only)
  muonlab_vendored_target(${fmt_target})
  set_target_properties(${fmt_target} PROPERTIES INTERFACE_COMPILE_DEFINITIONS FMT_HEADER_ONLY=1)
endforeach()
list(APPEND CMAKE_MODULE_PATH "${MUONLAB_VENDOR_DIR}/cmake")
