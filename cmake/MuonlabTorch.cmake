# Where LibTorch comes from, and whether the CUDA code path is compiled.
#
# LibTorch is PyPI's torch==2.11.0 (the GPU machine's version). scripts/setup installs it into a virtual environment,
# .deps/torch-venv/ (git-ignored); on the GPU machine the system python3 has it. CMake asks that Python for
# torch.utils.cmake_prefix_path, so no path is set by hand:
#   MUONLAB_TORCH_PYTHON  the Python whose torch to use (default: .deps/torch-venv/bin/python if present, else python3)
# A CMAKE_PREFIX_PATH or Torch_DIR given on the command line wins; -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON builds
# without the LibTorch layer.
#
# CUDA: when nvcc is found (MUONLAB_CUDA=AUTO, the default) and LibTorch was built with CUDA, the kernels in
# nanochat/*.cu are compiled (for Hopper, sm_90, unless CMAKE_CUDA_ARCHITECTURES says otherwise) and linked, although
# this machine may have no GPU: CI compiles the CUDA path on every run, so a compile error never reaches the GPU.
set(MUONLAB_CUDA AUTO CACHE STRING "Compile the CUDA kernels: AUTO (when nvcc is found), ON or OFF")
set_property(CACHE MUONLAB_CUDA PROPERTY STRINGS AUTO ON OFF)

if(NOT CMAKE_DISABLE_FIND_PACKAGE_Torch AND NOT Torch_DIR)
  if(NOT MUONLAB_TORCH_PYTHON)
    if(EXISTS "${PROJECT_SOURCE_DIR}/.deps/torch-venv/bin/python")
      set(_py "${PROJECT_SOURCE_DIR}/.deps/torch-venv/bin/python")
    else()
      find_program(_py NAMES python3 python)
    endif()
    set(MUONLAB_TORCH_PYTHON "${_py}" CACHE FILEPATH "Python whose torch package provides LibTorch")
  endif()
  if(MUONLAB_TORCH_PYTHON)
    execute_process(
      COMMAND "${MUONLAB_TORCH_PYTHON}" -c "import torch; print(torch.utils.cmake_prefix_path); print(torch.__version__)"
      OUTPUT_VARIABLE _torch_out ERROR_QUIET RESULT_VARIABLE _torch_rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_torch_rc EQUAL 0)
      string(REPLACE "\n" ";" _torch_lines "${_torch_out}")
      list(GET _torch_lines 0 _torch_prefix)
      list(GET _torch_lines 1 _torch_version)
      list(APPEND CMAKE_PREFIX_PATH "${_torch_prefix}")
      message(STATUS "muonlab: LibTorch ${_torch_version} from ${MUONLAB_TORCH_PYTHON}")
      if(NOT _torch_version MATCHES "^2\\.11\\.")
        message(WARNING "muonlab: expected torch 2.11 (the GPU machine's), found ${_torch_version}")
      endif()
    else()
      message(STATUS "muonlab: ${MUONLAB_TORCH_PYTHON} has no torch package (scripts/setup installs one)")
    endif()
  endif()
endif()

# PyTorch's CMake config compiles nothing of ours but checks the architecture list; Hopper only unless told.
if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
  set(TORCH_CUDA_ARCH_LIST "9.0")
endif()

set(MUONLAB_HAVE_CUDA_COMPILER OFF)
if(NOT MUONLAB_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)  # the one LibTorch loads
    enable_language(CUDA)
    set(MUONLAB_HAVE_CUDA_COMPILER ON)
  elseif(MUONLAB_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MUONLAB_CUDA=ON but no CUDA compiler (nvcc) was found")
  endif()
endif()
