// The error types of muonlab. See docs/conventions.md for how each maps to an exit code.
#pragma once  // Tested by tests/spectral/test_scalar.cpp ("parse_scalar: anything that is not a finite number is an InputError")

#include <stdexcept>
#include <string>

namespace muonlab {

/// Bad input from the user: malformed files, impossible shapes, NaN/Inf, a precision too low for the request.
/// The CLI reports the message and exits with code 2.
class InputError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A numerical method did not reach the requested accuracy (a returned status turned into an exception at the
/// boundary); the CLI exits with code 3 (inconclusive).
class NumericalError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

}  // namespace muonlab
