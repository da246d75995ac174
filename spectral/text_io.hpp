// Reading user files: numeric CSV matrices and the small helpers the parsers share.
// Every failure is an InputError naming the source, line and column.
#pragma once

#include "spectral/eigen_support.hpp"

#include <istream>
#include <string>
#include <vector>

namespace muonlab {

std::string trim_copy(const std::string& s);
/// The line without a trailing '#' comment, trimmed.
std::string strip_comment(const std::string& line);
/// Splits on commas, or on whitespace when the line has no comma. Empty cells between commas are kept (and then
/// rejected by the number parser).
std::vector<std::string> split_fields(const std::string& line);

/// Reads a matrix: one row per line, entries separated by commas or whitespace, '#' comments and blank lines
/// ignored. Entries are decimals or p/q rationals, parsed exactly (Rational) or correctly rounded (double, Real).
/// Rejects: no rows, ragged rows, non-numbers, NaN/Inf. `source` names the input in messages.
template <class S>
Mat<S> read_matrix_csv(std::istream& in, const std::string& source);

/// Same, from a path; "-" reads standard input.
template <class S>
Mat<S> read_matrix_file(const std::string& path);

/// Writes a matrix as CSV with `digits` significant digits (0 = all).
template <class S>
void write_matrix_csv(std::ostream& out, const Mat<S>& a, unsigned digits = 0);

}  // namespace muonlab
