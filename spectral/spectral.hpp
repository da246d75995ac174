// muonlab::spectral — the foundation layer: number types and the precision value, norms, SVD and polar factor at
// any precision, Newton–Schulz with any schedule, stable rank and SVD entropy, and matrix file I/O.
#pragma once  // Tested by tests/spectral/test_norms.cpp ("norms on a known matrix")

#include "spectral/eigen_support.hpp"
#include "spectral/errors.hpp"
#include "spectral/newton_schulz.hpp"
#include "spectral/norms.hpp"
#include "spectral/polar.hpp"
#include "spectral/precision.hpp"
#include "spectral/random.hpp"
#include "spectral/scalar.hpp"
#include "spectral/spectral_metrics.hpp"
#include "spectral/svd.hpp"
#include "spectral/text_io.hpp"
