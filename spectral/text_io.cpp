#include "spectral/text_io.hpp"

#include "spectral/errors.hpp"

#include <cctype>
#include <fstream>
#include <iostream>

namespace muonlab {

std::string trim_copy(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

std::string strip_comment(const std::string& line) {
  return trim_copy(line.substr(0, line.find('#')));
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> out;
  if (line.find(',') != std::string::npos) {
    std::size_t start = 0;
    while (true) {
      std::size_t comma = line.find(',', start);
      out.push_back(trim_copy(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) out.push_back(line.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

template <class S>
Mat<S> read_matrix_csv(std::istream& in, const std::string& source) {
  std::vector<std::vector<S>> rows;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.size() > (std::size_t(1) << 26)) throw InputError(source + ":" + std::to_string(lineno) + ": line too long");
    const std::string body = strip_comment(line);
    if (body.empty()) continue;
    const std::vector<std::string> cells = split_fields(body);
    std::vector<S> row;
    row.reserve(cells.size());
    for (std::size_t c = 0; c < cells.size(); ++c) {
      try {
        row.push_back(parse_scalar<S>(cells[c]));
      } catch (const InputError& e) {
        throw InputError(source + ":" + std::to_string(lineno) + ": column " + std::to_string(c + 1) + ": " +
                         (cells[c].empty() ? std::string("empty cell") : std::string(e.what())));
      }
    }
    if (!rows.empty() && row.size() != rows.front().size())
      throw InputError(source + ":" + std::to_string(lineno) + ": ragged rows: this row has " +
                       std::to_string(row.size()) + " entries, the first had " +
                       std::to_string(rows.front().size()));
    rows.push_back(std::move(row));
  }
  if (in.bad()) throw InputError(source + ": read error");
  if (rows.empty()) throw InputError(source + ": no matrix rows found (empty input)");
  Mat<S> a(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(rows.front().size()));
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t j = 0; j < rows[i].size(); ++j)
      a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
  return a;
}

template <class S>
Mat<S> read_matrix_file(const std::string& path) {
  if (path == "-") return read_matrix_csv<S>(std::cin, "<stdin>");
  std::ifstream in(path);
  if (!in) throw InputError("cannot open matrix file '" + path + "'");
  return read_matrix_csv<S>(in, path);
}

template <class S>
void write_matrix_csv(std::ostream& out, const Mat<S>& a, unsigned digits) {
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < a.cols(); ++j) out << (j ? "," : "") << to_string(a(i, j), digits);
    out << '\n';
  }
}

template Mat<double> read_matrix_csv<double>(std::istream&, const std::string&);
template Mat<Real> read_matrix_csv<Real>(std::istream&, const std::string&);
template Mat<Rational> read_matrix_csv<Rational>(std::istream&, const std::string&);
template Mat<double> read_matrix_file<double>(const std::string&);
template Mat<Real> read_matrix_file<Real>(const std::string&);
template Mat<Rational> read_matrix_file<Rational>(const std::string&);
template void write_matrix_csv<double>(std::ostream&, const Mat<double>&, unsigned);
template void write_matrix_csv<Real>(std::ostream&, const Mat<Real>&, unsigned);
template void write_matrix_csv<Rational>(std::ostream&, const Mat<Rational>&, unsigned);

}  // namespace muonlab
