# Finds MPFR and GMP (no CMake config is shipped by Debian). Defines MPFR::MPFR (linking GMP too).
find_path(MPFR_INCLUDE_DIR mpfr.h)
find_library(MPFR_LIBRARY mpfr)
find_library(GMP_LIBRARY gmp)
include(MuonlabImportedLibrary)
muonlab_imported_library(MPFR MPFR::MPFR MPFR_INCLUDE_DIR MPFR_LIBRARY GMP_LIBRARY)
