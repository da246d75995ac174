# Finds Arb (Debian's libflint-arb-dev ships no CMake config): header arb.h, libraries flint-arb and flint.
find_path(ARB_INCLUDE_DIR arb.h)
find_library(ARB_LIBRARY NAMES flint-arb arb)
find_library(FLINT_LIBRARY flint)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Arb DEFAULT_MSG ARB_LIBRARY FLINT_LIBRARY ARB_INCLUDE_DIR)
if(Arb_FOUND AND NOT TARGET Arb::Arb)
  add_library(Arb::Arb INTERFACE IMPORTED)
  set_target_properties(Arb::Arb PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${ARB_INCLUDE_DIR}"
                                            INTERFACE_LINK_LIBRARIES "${ARB_LIBRARY};${FLINT_LIBRARY}")
endif()
