// Tolerances the precision cannot reach are bad input (issue 6): the rule every command with a tolerance option
// applies (`bias --tol`, `pe certify --rel-tol`), in one place below the commands that use it.
#pragma once

#include <string>

namespace muonlab::spectral {

/// Tolerances the precision cannot reach (issue 6). A relative quantity computed with a handful of rounded
/// operations per entry carries an error of a few unit roundoffs ε (more after many steps), so a comparison with a
/// tolerance below 100 ε is decided by rounding, not by the mathematics: such a tolerance is bad input.
inline constexpr double kToleranceHeadroom = 100;

/// The smallest tolerance arithmetic with unit roundoff `unit_roundoff` supports: kToleranceHeadroom·unit_roundoff
/// (0 for exact arithmetic, unit_roundoff = 0).
double smallest_tolerance(double unit_roundoff);

/// The smallest --digits (MPFR) at which `tol` > 0 is supported. MPFR at d decimal digits carries at least
/// ⌈d·log2 10⌉ bits, so ε ≤ 2^(1 − d·log2 10) = 2·10^(−d), and d ≥ log10(2·kToleranceHeadroom/tol) suffices.
unsigned digits_for_tolerance(double tol);

/// Throws InputError (exit 2) when `tol`, the value of `option`, is below smallest_tolerance(unit_roundoff)
/// (or is not a finite number >= 0). `digits` names the precision in the message (0: double). The message says the
/// smallest supported tolerance and the --digits that would accept `tol`; `alternative` (e.g. "--exact") is offered
/// for a zero tolerance.
void require_resolvable_tolerance(const std::string& option, double tol, double unit_roundoff, unsigned digits,
                                  const std::string& alternative = "");

}  // namespace muonlab::spectral
