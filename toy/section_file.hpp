#pragma once
// The text format of the toy problem files (`--problem-file`, toy/problem.hpp) and the classification files
// (toy/classification.hpp): `[name]` section headers, each followed by CSV rows; '#' starts a comment.
// Read once here; each caller turns its sections into matrices.
#include <map>
#include <string>
#include <vector>

namespace muonlab::toy {

struct SectionFile {
  std::map<std::string, std::string> text;  // section -> its rows, comments stripped, one per line
  std::map<std::string, int> first_line;    // section -> line number of its header
  bool has(const std::string& name) const { return text.count(name) > 0; }
};

/// Reads `path` (`what` names the kind of file in the messages, e.g. "problem file"). Throws InputError (exit 2)
/// naming the file and line for an unreadable file, a malformed or repeated header, a section not in `known`, data
/// before the first header, or a section of `required` missing or empty.
SectionFile read_section_file(const std::string& path, const std::string& what, const std::vector<std::string>& known,
                              const std::vector<std::string>& required);

}  // namespace muonlab::toy
