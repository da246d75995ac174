#include "toy/section_file.hpp"

#include "spectral/errors.hpp"
#include "spectral/text_io.hpp"

#include <algorithm>
#include <fstream>

namespace muonlab::toy {

SectionFile read_section_file(const std::string& path, const std::string& what, const std::vector<std::string>& known,
                              const std::vector<std::string>& required) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open " + what + " '" + path + "'");
  std::string known_list;
  for (const std::string& k : known) known_list += (known_list.empty() ? "[" : ", [") + k + "]";
  SectionFile f;
  std::string current, line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const std::string t = strip_comment(line);
    if (t.empty()) continue;
    const std::string at = path + ":" + std::to_string(lineno) + ": ";
    if (t.front() == '[') {
      if (t.back() != ']') throw InputError(at + "malformed section header");
      current = t.substr(1, t.size() - 2);
      if (std::find(known.begin(), known.end(), current) == known.end())
        throw InputError(at + "unknown section [" + current + "] (known: " + known_list + ")");
      if (f.has(current)) throw InputError(at + "repeated [" + current + "]");
      f.text[current] = "";
      f.first_line[current] = lineno;
      continue;
    }
    if (current.empty()) throw InputError(at + "data before the first [section]");
    f.text[current] += t + "\n";
  }
  for (const std::string& need : required)
    if (!f.has(need) || f.text[need].empty()) throw InputError(path + ": missing section [" + need + "]");
  return f;
}

}  // namespace muonlab::toy
