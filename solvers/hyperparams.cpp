#include "solvers/hyperparams.hpp"

#include "spectral/text_io.hpp"

#include <algorithm>
#include <cctype>

namespace muonlab::solvers {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

/// The fields every key has; the builders below add the rest.
KeyInfo base_key(std::string key, std::string def, std::string help, KeyKind kind) {
  KeyInfo k;
  k.key = std::move(key);
  k.default_text = std::move(def);
  k.help = std::move(help);
  k.kind = kind;
  return k;
}

}  // namespace

Spec parse_spec(const std::string& text, const std::string& what) {
  Spec s;
  s.text = trim_copy(text);
  // The display form "name(k=v,...)" that Optimizer::name() and StepSize::name() print reads back as
  // "name:k=v,...".
  const auto paren = s.text.find('(');
  if (paren != std::string::npos && s.text.back() == ')' && s.text.find(':') == std::string::npos)
    s.text = s.text.substr(0, paren) + ":" + s.text.substr(paren + 1, s.text.size() - paren - 2);
  const auto colon = s.text.find(':');
  s.name = lower(trim_copy(s.text.substr(0, colon)));
  if (s.name.empty()) throw InputError("empty " + what + " name in '" + text + "'");
  if (colon == std::string::npos) return s;
  std::string rest = s.text.substr(colon + 1);
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const auto comma = rest.find(',', pos);
    const std::string item = trim_copy(rest.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    pos = comma == std::string::npos ? rest.size() + 1 : comma + 1;
    if (item.empty()) {
      if (comma == std::string::npos && s.values.empty() && trim_copy(rest).empty()) break;  // "adam:" is "adam"
      throw InputError(what + " '" + s.text + "': empty key=value item");
    }
    const auto eq = item.find('=');
    if (eq == std::string::npos)
      throw InputError(what + " '" + s.text + "': '" + item + "' is not key=value");
    std::string key = lower(trim_copy(item.substr(0, eq))), value = trim_copy(item.substr(eq + 1));
    if (key.empty() || value.empty())
      throw InputError(what + " '" + s.text + "': '" + item + "' needs both a key and a value");
    for (const auto& kv : s.values)
      if (kv.first == key) throw InputError(what + " '" + s.text + "': key '" + key + "' given twice");
    s.values.emplace_back(std::move(key), std::move(value));
  }
  return s;
}

std::string KeyInfo::range_text() const {
  switch (kind) {
    case KeyKind::flag:
      return "0|1";
    case KeyKind::choice:
      return join(choices, "|");
    case KeyKind::text:
      return "name or file";
    case KeyKind::integer:
      return ">= " + (lo ? lo->str() : std::string("0"));
    case KeyKind::scalar:
      break;
  }
  if (lo && hi) return std::string(lo_open ? "(" : "[") + lo->str() + ", " + hi->str() + (hi_open ? ")" : "]");
  if (lo) return std::string(lo_open ? "> " : ">= ") + lo->str();
  if (hi) return std::string(hi_open ? "< " : "<= ") + hi->str();
  return "any";
}

KeyInfo scalar_key(std::string key, std::string def, std::string help, std::optional<Rational> lo, bool lo_open,
                   std::optional<Rational> hi, bool hi_open) {
  KeyInfo k = base_key(std::move(key), std::move(def), std::move(help), KeyKind::scalar);
  k.lo = std::move(lo);
  k.hi = std::move(hi);
  k.lo_open = lo_open;
  k.hi_open = hi_open;
  return k;
}

KeyInfo integer_key(std::string key, std::string def, std::string help, long lo) {
  KeyInfo k = base_key(std::move(key), std::move(def), std::move(help), KeyKind::integer);
  k.lo = Rational(lo);
  return k;
}

KeyInfo flag_key(std::string key, std::string def, std::string help) {
  return base_key(std::move(key), std::move(def), std::move(help), KeyKind::flag);
}

KeyInfo choice_key(std::string key, std::string def, std::string help, std::vector<std::string> choices) {
  KeyInfo k = base_key(std::move(key), std::move(def), std::move(help), KeyKind::choice);
  k.choices = std::move(choices);
  return k;
}

KeyInfo text_key(std::string key, std::string def, std::string help) {
  return base_key(std::move(key), std::move(def), std::move(help), KeyKind::text);
}

SpecReader::SpecReader(const Spec& spec, std::vector<KeyInfo> keys)
    : spec_(spec), keys_(std::move(keys)), values_(keys_.size()), given_(keys_.size(), false) {
  for (std::size_t i = 0; i < keys_.size(); ++i) values_[i] = keys_[i].default_text;
  for (const auto& [key, value] : spec_.values) {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const KeyInfo& k) { return k.key == key && !k.internal; });
    if (it == keys_.end()) {
      std::vector<std::string> valid;
      for (const auto& k : keys_)
        if (!k.internal) valid.push_back(k.key);
      throw InputError("'" + spec_.name + "' has no key '" + key + "' (valid keys: " +
                       (valid.empty() ? std::string("none") : join(valid, ", ")) + ")");
    }
    const auto i = static_cast<std::size_t>(it - keys_.begin());
    values_[i] = value;
    given_[i] = true;
  }
  // Check every value in effect now, so a bad spec fails at construction whatever the scalar type.
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    const KeyInfo& k = keys_[i];
    if (values_[i].empty()) continue;  // derived default
    switch (k.kind) {
      case KeyKind::scalar:
        (void)exact(k.key);
        break;
      case KeyKind::integer:
        (void)integer(k.key);
        break;
      case KeyKind::flag:
        (void)flag(k.key);
        break;
      case KeyKind::choice:
        (void)choice(k.key);
        break;
      case KeyKind::text:
        break;
    }
  }
}

const KeyInfo& SpecReader::info(const std::string& key) const {
  for (const auto& k : keys_)
    if (k.key == key) return k;
  throw std::logic_error("SpecReader: key '" + key + "' is not in the table of '" + spec_.name + "'");
}

void SpecReader::fail(const std::string& key, const std::string& msg) const {
  throw InputError("'" + spec_.name + "': " + key + "=" + text(key) + " " + msg);
}

bool SpecReader::given(const std::string& key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].key == key) return given_[i];
  (void)info(key);
  return false;
}

const std::string& SpecReader::text(const std::string& key) const {
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i].key == key) return values_[i];
  (void)info(key);
  throw std::logic_error("unreachable");
}

Rational SpecReader::exact(const std::string& key) const {
  const KeyInfo& k = info(key);
  Rational x;
  try {
    x = parse_scalar<Rational>(text(key));
  } catch (const InputError& e) {
    fail(key, std::string("is not a number (") + e.what() + ")");
  }
  const bool below = k.lo && (k.lo_open ? x <= *k.lo : x < *k.lo);
  const bool above = k.hi && (k.hi_open ? x >= *k.hi : x > *k.hi);
  if (below || above) fail(key, "is out of range (must be " + k.range_text() + ")");
  return x;
}

void SpecReader::check_rounded(const std::string& key, const Rational& x, const Rational& r) const {
  const KeyInfo& k = info(key);
  if (x != 0 && r == 0)
    fail(key, "rounds to 0 at the working precision; give 0 explicitly or raise the precision (--digits)");
  const bool below = k.lo && (k.lo_open ? r <= *k.lo : r < *k.lo);
  const bool above = k.hi && (k.hi_open ? r >= *k.hi : r > *k.hi);
  if (below || above)
    fail(key, "rounds to " + r.str() + " at the working precision, outside its range " + k.range_text() +
                  "; raise the precision (--digits)");
}

long SpecReader::integer(const std::string& key) const {
  const KeyInfo& k = info(key);
  const std::string& t = text(key);
  std::size_t i = (!t.empty() && (t[0] == '+' || t[0] == '-')) ? 1 : 0;
  bool ok = i < t.size() && t.size() - i <= 9;
  for (std::size_t j = i; ok && j < t.size(); ++j) ok = std::isdigit(static_cast<unsigned char>(t[j])) != 0;
  if (!ok) fail(key, "is not an integer (at most 9 digits)");
  const long v = std::stol(t);
  if (k.lo && Rational(v) < *k.lo) fail(key, "is out of range (must be " + k.range_text() + ")");
  return v;
}

bool SpecReader::flag(const std::string& key) const {
  const std::string t = lower(text(key));
  if (t == "1" || t == "true" || t == "on" || t == "yes") return true;
  if (t == "0" || t == "false" || t == "off" || t == "no") return false;
  fail(key, "is not a flag (use 0 or 1)");
}

const std::string& SpecReader::choice(const std::string& key) const {
  const KeyInfo& k = info(key);
  const std::string& t = text(key);
  if (std::find(k.choices.begin(), k.choices.end(), t) == k.choices.end())
    fail(key, "is not one of " + k.range_text());
  return t;
}

std::string SpecReader::display_name() const {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < keys_.size(); ++i)
    if (given_[i] && values_[i] != keys_[i].default_text) parts.push_back(keys_[i].key + "=" + values_[i]);
  return parts.empty() ? spec_.name : spec_.name + "(" + join(parts, ",") + ")";
}

std::string describe_keys(const std::vector<KeyInfo>& keys) {
  std::vector<std::string> parts;
  for (const auto& k : keys)
    if (!k.internal)
      parts.push_back(k.key + "=" + (k.default_text.empty() ? std::string("(derived)") : k.default_text) + " (" +
                      k.range_text() + ")");
  return parts.empty() ? std::string("no keys") : join(parts, ", ");
}

}  // namespace muonlab::solvers
