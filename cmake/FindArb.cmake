# Finds Arb (Debian's libflint-arb-dev ships no CMake config): header arb.h, libraries flint-arb and flint.
find_path(ARB_INCLUDE_DIR arb.h)
find_library(ARB_LIBRARY NAMES flint-arb arb)
find_library(FLINT_LIBRARY flint)
include(MuonlabImportedLibrary)
muonlab_imported_library(Arb Arb::Arb ARB_INCLUDE_DIR ARB_LIBRARY FLINT_LIBRARY)
