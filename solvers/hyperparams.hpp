// Spec strings "NAME[:key=value,key=value...]" for optimizers and step-size schedules, and the checked reading of
// their hyper-parameters (docs/optimizers.md).
//
// A scalar hyper-parameter is first read exactly (as a rational) and checked against its range, then rounded to
// the working scalar type and checked again, so a value that is legal on paper but rounds out of its range at the
// working precision (beta2 = 0.99999999999999999 in double, eps = 1e-400 in double) is an InputError that says so,
// never a silent division by zero.
#pragma once

#include "spectral/errors.hpp"
#include "spectral/scalar.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace muonlab::solvers {

/// A spec split into its name and its key=value pairs (syntax only, in the order given).
struct Spec {
  std::string text;
  std::string name;
  std::vector<std::pair<std::string, std::string>> values;
};

/// Splits "NAME[:key=value,...]" (or the display form "NAME(key=value,...)"). `what` names the kind of spec in messages ("optimizer", "step size").
/// Throws InputError on an empty name, a pair without '=', an empty key or value, or a repeated key.
Spec parse_spec(const std::string& text, const std::string& what);

enum class KeyKind { scalar, integer, flag, choice, text };

/// One accepted key: its default (as text, parsed like a user value; empty = no default / derived), its range,
/// and a one-line description.
struct KeyInfo {
  std::string key;
  std::string default_text;
  KeyKind kind = KeyKind::scalar;
  std::string help;
  // scalar / integer range; a missing bound is unbounded
  std::optional<Rational> lo, hi;
  bool lo_open = false, hi_open = false;
  std::vector<std::string> choices;  // choice keys
  /// Set only by a variant's preset (solvers/optimizer_id.hpp), never by a user: not listed, not accepted in a spec.
  bool internal = false;
  /// "[0, 1)", "> 0", ">= 0", "0|1", "ema|classical|none", ...
  std::string range_text() const;
};

/// Convenience constructors for the key tables.
KeyInfo scalar_key(std::string key, std::string def, std::string help, std::optional<Rational> lo,
                   bool lo_open, std::optional<Rational> hi, bool hi_open);
KeyInfo integer_key(std::string key, std::string def, std::string help, long lo);
KeyInfo flag_key(std::string key, std::string def, std::string help);
KeyInfo choice_key(std::string key, std::string def, std::string help, std::vector<std::string> choices);
KeyInfo text_key(std::string key, std::string def, std::string help);

/// Reads the values of one spec against the keys one optimizer (or schedule) accepts.
/// The constructor rejects unknown keys (listing the valid ones) and checks every given value's syntax and exact
/// range; the typed accessors return the given value or the default.
class SpecReader {
public:
  SpecReader(const Spec& spec, std::vector<KeyInfo> keys);

  bool given(const std::string& key) const;
  /// The value text (given or default).
  const std::string& text(const std::string& key) const;
  /// The exact value (given or default) of a scalar key.
  Rational exact(const std::string& key) const;
  /// A scalar key rounded to S; throws InputError if the rounded value leaves the key's range (or a non-zero value
  /// rounds to zero) at the working precision.
  template <class S>
  S scalar(const std::string& key) const;
  long integer(const std::string& key) const;
  bool flag(const std::string& key) const;
  const std::string& choice(const std::string& key) const;

  /// "name" or "name(k=v,...)" listing the keys given with a value different from the default text.
  std::string display_name() const;
  const std::string& spec_name() const { return spec_.name; }
  const std::vector<KeyInfo>& keys() const { return keys_; }

private:
  const KeyInfo& info(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& msg) const;
  void check_rounded(const std::string& key, const Rational& exact, const Rational& rounded) const;

  Spec spec_;
  std::vector<KeyInfo> keys_;
  std::vector<std::string> values_;  // per key, the text in effect
  std::vector<bool> given_;
};

template <class S>
S SpecReader::scalar(const std::string& key) const {
  const Rational x = exact(key);
  const S v = parse_scalar<S>(text(key));
  if constexpr (!ScalarTraits<S>::is_exact) {
    if (!is_finite(v)) fail(key, "overflows " + std::string(ScalarTraits<S>::name));
    check_rounded(key, x, Rational(v));
  }
  return v;
}

/// "k=default (range)" for each key, comma separated (for --help).
std::string describe_keys(const std::vector<KeyInfo>& keys);

}  // namespace muonlab::solvers
