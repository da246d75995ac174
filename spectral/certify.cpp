// Certified images of intervals under composed odd quintics, in Arb ball arithmetic (see certify.hpp).
#include "spectral/certify.hpp"

#include "spectral/errors.hpp"

#include <arb.h>

#include <algorithm>
#include <cmath>

namespace muonlab::spectral {
namespace {

// ---- thin RAII wrappers over arb_t / arf_t --------------------------------------------------------------------
struct Ball {
  arb_t v;
  Ball() { arb_init(v); }
  Ball(const Ball& o) { arb_init(v); arb_set(v, o.v); }
  Ball& operator=(const Ball& o) { arb_set(v, o.v); return *this; }
  ~Ball() { arb_clear(v); }
};
struct Float {
  arf_t v;
  Float() { arf_init(v); }
  Float(const Float& o) { arf_init(v); arf_set(v, o.v); }
  Float& operator=(const Float& o) { arf_set(v, o.v); return *this; }
  ~Float() { arf_clear(v); }
};

slong bits_for(unsigned digits) { return static_cast<slong>(std::ceil(digits * 3.3219280948873623)) + 16; }

Float to_arf(const Real& x) {
  Float f;
  arf_set_mpfr(f.v, x.backend().data());  // exact
  return f;
}
Ball to_ball(const Real& x) {
  Ball b;
  Float f = to_arf(x);
  arb_set_arf(b.v, f.v);
  return b;
}
Ball point(const arf_t x) {
  Ball b;
  arb_set_arf(b.v, x);
  return b;
}
/// An arf (exact) rounded outward to the current MPFR precision.
Real to_real(const arf_t x, bool round_up) {
  Real r;
  arf_get_mpfr(r.backend().data(), x, round_up ? MPFR_RNDU : MPFR_RNDD);
  return r;
}
Real lower_of(const arb_t b, slong prec) {
  Float f;
  arb_get_lbound_arf(f.v, b, prec);
  return to_real(f.v, false);
}
Real upper_of(const arb_t b, slong prec) {
  Float f;
  arb_get_ubound_arf(f.v, b, prec);
  return to_real(f.v, true);
}

struct Quintic {
  Ball a, b, c;
};
Quintic to_quintic(const NsStep<Real>& st) { return {to_ball(st.a), to_ball(st.b), to_ball(st.c)}; }

/// p(x) = x(a + x²(b + c x²)) in ball arithmetic.
Ball eval(const Quintic& p, const arb_t x, slong prec) {
  Ball x2, acc;
  arb_mul(x2.v, x, x, prec);
  arb_mul(acc.v, p.c.v, x2.v, prec);
  arb_add(acc.v, acc.v, p.b.v, prec);
  arb_mul(acc.v, acc.v, x2.v, prec);
  arb_add(acc.v, acc.v, p.a.v, prec);
  arb_mul(acc.v, acc.v, x, prec);
  return acc;
}
/// p'(x) = a + 3b x² + 5c x⁴.
Ball eval_derivative(const Quintic& p, const arb_t x, slong prec) {
  Ball x2, acc, t;
  arb_mul(x2.v, x, x, prec);
  arb_mul_si(acc.v, p.c.v, 5, prec);
  arb_mul(acc.v, acc.v, x2.v, prec);
  arb_mul_si(t.v, p.b.v, 3, prec);
  arb_add(acc.v, acc.v, t.v, prec);
  arb_mul(acc.v, acc.v, x2.v, prec);
  arb_add(acc.v, acc.v, p.a.v, prec);
  return acc;
}

/// Balls containing every positive real critical point of p (roots of 5c y² + 3b y + a = 0 in y = x² > 0).
/// Returns false if a critical point could not be located (e.g. non-finite balls).
bool critical_points(const Quintic& p, std::vector<Ball>& out, slong prec) {
  out.clear();
  std::vector<Ball> ys;
  if (arb_is_zero(p.c.v)) {
    if (arb_is_zero(p.b.v)) return true;  // linear: no critical points
    Ball y, t;
    arb_mul_si(t.v, p.b.v, -3, prec);
    arb_div(y.v, p.a.v, t.v, prec);  // y = −a / (3b)
    ys.push_back(y);
  } else {
    Ball disc, t, c10, b3n, r;
    arb_mul(disc.v, p.b.v, p.b.v, prec);
    arb_mul_si(disc.v, disc.v, 9, prec);
    arb_mul(t.v, p.a.v, p.c.v, prec);
    arb_mul_si(t.v, t.v, 20, prec);
    arb_sub(disc.v, disc.v, t.v, prec);  // 9b² − 20ac
    if (arb_is_negative(disc.v)) return true;  // p' has no real roots
    if (arb_contains_zero(disc.v)) {
      // Undecided sign: the roots (if real) lie within √(upper bound of disc) of the double root.
      Float ub;
      arb_get_ubound_arf(ub.v, disc.v, prec);
      arb_set_arf(r.v, ub.v);
      arb_sqrt(r.v, r.v, prec);
      Ball zero_r;
      arb_union(r.v, r.v, zero_r.v, prec);  // [0, √ub]
      Ball neg;
      arb_neg(neg.v, r.v);
      arb_union(r.v, r.v, neg.v, prec);     // [−√ub, √ub]
    } else {
      arb_sqrt(r.v, disc.v, prec);
    }
    arb_mul_si(c10.v, p.c.v, 10, prec);
    arb_mul_si(b3n.v, p.b.v, -3, prec);
    for (int sgn : {-1, 1}) {
      Ball y;
      if (sgn < 0) arb_sub(y.v, b3n.v, r.v, prec);
      else arb_add(y.v, b3n.v, r.v, prec);
      arb_div(y.v, y.v, c10.v, prec);
      ys.push_back(y);
    }
  }
  for (Ball& y : ys) {
    if (!arb_is_finite(y.v)) return false;
    if (arb_is_nonpositive(y.v)) continue;
    Ball x;
    if (arb_is_positive(y.v)) {
      arb_sqrt(x.v, y.v, prec);
    } else {  // straddles 0: [0, √(upper)]
      Float ub;
      arb_get_ubound_arf(ub.v, y.v, prec);
      arb_set_arf(x.v, ub.v);
      arb_sqrt(x.v, x.v, prec);
      Ball zero;
      arb_union(x.v, x.v, zero.v, prec);
    }
    out.push_back(x);
  }
  return true;
}

/// Outer and inner images of one step; interval endpoints exact (arf).
struct Range {
  Float lo, hi;
};

/// The image of [lo, hi] under p from its values at both ends and at critical points. outer: every critical point
/// that may lie inside, and the hull of the value balls. inner: only points certainly inside, and [min of their
/// upper bounds, max of their lower bounds], which lies inside the true image.
enum class Side { outer, inner };
bool image(Side side, const Quintic& p, const Range& in, Range& out, slong prec) {
  const bool inner = side == Side::inner;
  std::vector<Ball> vals = {eval(p, point(in.lo.v).v, prec), eval(p, point(in.hi.v).v, prec)};
  std::vector<Ball> crit;
  if (!critical_points(p, crit, prec)) return false;
  Ball blo = point(in.lo.v), bhi = point(in.hi.v);
  for (Ball& x : crit) {
    const bool use = inner ? arb_gt(x.v, blo.v) && arb_lt(x.v, bhi.v)      // certainly inside
                           : !(arb_lt(x.v, blo.v) || arb_gt(x.v, bhi.v));  // not certainly outside
    if (use) vals.push_back(eval(p, x.v, prec));
  }
  auto* const lo_bound = inner ? arb_get_ubound_arf : arb_get_lbound_arf;
  auto* const hi_bound = inner ? arb_get_lbound_arf : arb_get_ubound_arf;
  Float t;
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if (!arb_is_finite(vals[i].v)) return false;
    lo_bound(t.v, vals[i].v, prec);
    if (i == 0 || arf_cmp(t.v, out.lo.v) < 0) arf_set(out.lo.v, t.v);
    hi_bound(t.v, vals[i].v, prec);
    if (i == 0 || arf_cmp(t.v, out.hi.v) > 0) arf_set(out.hi.v, t.v);
  }
  return true;
}

/// max(1 − lo, hi − 1) with outward rounding, for an image [lo, hi].
Float error_of(const Range& r, bool round_up, slong prec) {
  Float one, a, b, m;
  arf_one(one.v);
  arf_sub(a.v, one.v, r.lo.v, prec, round_up ? ARF_RND_CEIL : ARF_RND_FLOOR);
  arf_sub(b.v, r.hi.v, one.v, prec, round_up ? ARF_RND_CEIL : ARF_RND_FLOOR);
  arf_max(m.v, a.v, b.v);
  return m;
}

}  // namespace

const char* to_string(CertStatus s) { return s == CertStatus::certified ? "certified" : "undecided"; }

double CertInterval::width() const { return to_double(Real(hi - lo)); }

ImageCertificate certify_image(const std::vector<NsStep<Real>>& steps, const Real& lower, const Real& upper,
                               const CertifyOptions& options) {
  if (steps.empty()) throw InputError("certify: the schedule has no steps");
  if (!(lower >= Real(0)) || !(upper > lower) || !is_finite(upper))
    throw InputError("certify: need 0 <= lower < upper (got " + muonlab::to_string(lower, 6) + ", " + muonlab::to_string(upper, 6) + ")");
  if (options.digits < kMinDigits || options.digits > kMaxDigits)
    throw InputError("certify: precision of " + std::to_string(options.digits) + " digits is out of range");
  PrecisionScope scope(options.digits + 5);  // the reported MPFR endpoints carry the ball precision
  const slong prec = bits_for(options.digits);
  ImageCertificate cert;
  cert.digits = options.digits;
  cert.lower = lower;
  cert.upper = upper;
  Range outer, inner;
  arf_set(outer.lo.v, to_arf(lower).v);
  arf_set(outer.hi.v, to_arf(upper).v);
  arf_set(inner.lo.v, to_arf(lower).v);
  arf_set(inner.hi.v, to_arf(upper).v);
  Ball deriv;
  arb_one(deriv.v);
  bool ok = true;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    const Quintic p = to_quintic(steps[k]);
    arb_mul(deriv.v, deriv.v, p.a.v, prec);  // φ'(0) = Π p_k'(0) = Π a_k (chain rule at the fixed point 0)
    Range o, i;
    if (!image(Side::outer, p, outer, o, prec)) {
      ok = false;
      cert.message = "step " + std::to_string(k + 1) + ": non-finite enclosure (the values overflow)";
      break;
    }
    outer = o;
    if (ok && arf_cmp(inner.lo.v, inner.hi.v) <= 0) {
      if (!image(Side::inner, p, inner, i, prec)) {
        ok = false;
        cert.message = "step " + std::to_string(k + 1) + ": inner enclosure not finite";
        break;
      }
      inner = i;
    }
    if (arf_cmp(inner.lo.v, inner.hi.v) > 0) {
      // The inner image is empty only if the true image is narrower than the rounding: the ends are undecided.
      ok = false;
      cert.message = "step " + std::to_string(k + 1) + ": the image is narrower than the ball radii at " +
                     std::to_string(options.digits) + " digits";
    }
    cert.stage_outer.push_back({to_real(outer.lo.v, false), to_real(outer.hi.v, true)});
    const Float elo = error_of(arf_cmp(inner.lo.v, inner.hi.v) <= 0 ? inner : outer, false, prec);
    const Float ehi = error_of(outer, true, prec);
    cert.stage_error.push_back({to_real(elo.v, false), to_real(ehi.v, true)});
    if (!ok) break;
  }
  cert.outer = {to_real(outer.lo.v, false), to_real(outer.hi.v, true)};
  cert.inner = {to_real(inner.lo.v, true), to_real(inner.hi.v, false)};
  cert.min_value = {cert.outer.lo, cert.inner.lo};
  cert.max_value = {cert.inner.hi, cert.outer.hi};
  const Float elo = error_of(inner, false, prec), ehi = error_of(outer, true, prec);
  cert.max_error = {to_real(elo.v, false), to_real(ehi.v, true)};
  cert.derivative_at_zero = {lower_of(deriv.v, prec), upper_of(deriv.v, prec)};
  if (ok && steps.size() != cert.stage_outer.size()) ok = false;
  if (ok) {
    using std::abs;
    // Decided to the requested relative width: the error bound and both image ends.
    const Real tol = Real(options.rel_tol);
    const Real span = cert.outer.hi - cert.outer.lo;
    const bool err_ok = cert.max_error.hi - cert.max_error.lo <= tol * abs(cert.max_error.hi);
    const bool ends_ok = cert.min_value.hi - cert.min_value.lo <= tol * span &&
                         cert.max_value.hi - cert.max_value.lo <= tol * span;
    if (!err_ok || !ends_ok) {
      ok = false;
      cert.message = "enclosure wider than the requested relative width " + muonlab::to_string(options.rel_tol, 3) +
                     " at " + std::to_string(options.digits) + " digits (raise --digits)";
    }
  }
  cert.status = ok ? CertStatus::certified : CertStatus::undecided;
  return cert;
}

CertInterval enclose_image_by_subdivision(const std::vector<NsStep<Real>>& steps, const Real& lower,
                                          const Real& upper, const Real& target_width, unsigned digits) {
  if (steps.empty() || !(upper > lower) || !(target_width > 0))
    throw InputError("enclose_image_by_subdivision: bad arguments");
  PrecisionScope scope(digits + 5);
  const slong prec = bits_for(digits);
  std::vector<Quintic> ps;
  for (const auto& s : steps) ps.push_back(to_quintic(s));
  // Enclosure of φ over the ball x: the mean-value form φ(m) + φ'(X)(X − m) intersected with the naive one.
  auto enclose = [&](const Ball& x, Float& lo, Float& hi) {
    Ball m;
    arb_set_arf(m.v, arb_midref(x.v));
    Ball fm = m, fx = x, dx;
    arb_one(dx.v);
    for (const Quintic& p : ps) {
      const Ball d = eval_derivative(p, fx.v, prec);
      arb_mul(dx.v, dx.v, d.v, prec);
      fx = eval(p, fx.v, prec);
      fm = eval(p, fm.v, prec);
    }
    Ball dev, val;
    arb_sub(dev.v, x.v, m.v, prec);
    arb_mul(dev.v, dev.v, dx.v, prec);
    arb_add(val.v, fm.v, dev.v, prec);
    Float l2, u2;
    arb_get_lbound_arf(lo.v, val.v, prec);
    arb_get_ubound_arf(hi.v, val.v, prec);
    arb_get_lbound_arf(l2.v, fx.v, prec);
    arb_get_ubound_arf(u2.v, fx.v, prec);
    arf_max(lo.v, lo.v, l2.v);
    arf_min(hi.v, hi.v, u2.v);
    // Values certainly attained: φ at the midpoint.
    return fm;
  };
  // Branch and bound: a piece is split while it could hold a value more than target_width below the smallest
  // (above the largest) value certainly attained so far; the union of the final pieces is the enclosure.
  const Float tw = to_arf(target_width);
  Float seen_lo, seen_hi, out_lo, out_hi, t;
  bool first_seen = true, first_out = true;
  struct Piece {
    Float a, b;
    int depth;
  };
  std::vector<Piece> stack;
  stack.push_back({to_arf(lower), to_arf(upper), 0});
  while (!stack.empty()) {
    Piece pc = stack.back();
    stack.pop_back();
    Ball x, xa, xb;
    arb_set_arf(xa.v, pc.a.v);
    arb_set_arf(xb.v, pc.b.v);
    arb_union(x.v, xa.v, xb.v, prec);
    Float lo, hi;
    const Ball fm = enclose(x, lo, hi);
    arb_get_ubound_arf(t.v, fm.v, prec);
    if (first_seen || arf_cmp(t.v, seen_lo.v) < 0) arf_set(seen_lo.v, t.v);
    arb_get_lbound_arf(t.v, fm.v, prec);
    if (first_seen || arf_cmp(t.v, seen_hi.v) > 0) arf_set(seen_hi.v, t.v);
    first_seen = false;
    Float lo_gap, hi_gap;
    arf_sub(lo_gap.v, seen_lo.v, lo.v, prec, ARF_RND_CEIL);
    arf_sub(hi_gap.v, hi.v, seen_hi.v, prec, ARF_RND_CEIL);
    const bool refine = (arf_cmp(lo_gap.v, tw.v) > 0 || arf_cmp(hi_gap.v, tw.v) > 0) && pc.depth < 80;
    if (refine) {
      Float mid;
      arf_add(mid.v, pc.a.v, pc.b.v, prec, ARF_RND_DOWN);
      arf_mul_2exp_si(mid.v, mid.v, -1);
      stack.push_back({pc.a, mid, pc.depth + 1});
      stack.push_back({mid, pc.b, pc.depth + 1});
      continue;
    }
    if (first_out || arf_cmp(lo.v, out_lo.v) < 0) arf_set(out_lo.v, lo.v);
    if (first_out || arf_cmp(hi.v, out_hi.v) > 0) arf_set(out_hi.v, hi.v);
    first_out = false;
  }
  return {to_real(out_lo.v, false), to_real(out_hi.v, true)};
}

int certify_maps_into(const NsStep<Real>& step, const Real& lo, const Real& hi, const Real& target_lo,
                      const Real& target_hi, unsigned digits) {
  const slong prec = bits_for(digits);
  const Quintic p = to_quintic(step);
  Range in, out, inner;
  arf_set(in.lo.v, to_arf(lo).v);
  arf_set(in.hi.v, to_arf(hi).v);
  if (!image(Side::outer, p, in, out, prec)) return -1;
  const Float tlo = to_arf(target_lo), thi = to_arf(target_hi);
  if (arf_cmp(out.lo.v, tlo.v) >= 0 && arf_cmp(out.hi.v, thi.v) <= 0) return 1;
  if (!image(Side::inner, p, in, inner, prec)) return -1;
  // Certainly not: some attained value is ≤ inner.lo (min of upper bounds) or ≥ inner.hi (max of lower bounds).
  if (arf_cmp(inner.lo.v, tlo.v) < 0 || arf_cmp(inner.hi.v, thi.v) > 0) return 0;
  return -1;
}

}  // namespace muonlab::spectral
