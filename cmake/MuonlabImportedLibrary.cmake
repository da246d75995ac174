# muonlab_imported_library(<Pkg> <target> <include var> <library var>...): the end of a Find module for a C library
# without a CMake config, once its find_path/find_library calls are done: reports <Pkg>_FOUND
# (FindPackageHandleStandardArgs) and defines the INTERFACE IMPORTED <target> with that include directory, linking
# the libraries in the order given.
include(FindPackageHandleStandardArgs)

macro(muonlab_imported_library pkg target include_var)
  find_package_handle_standard_args(${pkg} DEFAULT_MSG ${ARGN} ${include_var})
  if(${pkg}_FOUND AND NOT TARGET ${target})
    set(_muonlab_libs "")
    foreach(_muonlab_var ${ARGN})
      list(APPEND _muonlab_libs "${${_muonlab_var}}")
    endforeach()
    add_library(${target} INTERFACE IMPORTED)
    set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${${include_var}}"
                                               INTERFACE_LINK_LIBRARIES "${_muonlab_libs}")
  endif()
endmacro()
