// Property tests of the orthogonalizers (issue 6, list item 1): the exact polar factor ortho(G) = U_r V_rᵀ
// (spectral::ortho) and Newton–Schulz (spectral::newton_schulz), in double and at 50 digits, on square, tall,
// wide, 1×n, n×1, rank-deficient and zero matrices with entries scaled by 10^−30 .. 10^30.
#include "tests/properties/props.hpp"

#include <algorithm>
#include <cmath>

using namespace muonlab;
using namespace muonlab::props;

namespace {

/// Tolerance for comparing two polar factors of G computed along different rounding paths.
/// Why: a backward-stable SVD returns the exact polar factor of G + E with ‖E‖2 ≲ max(m,n)·u·‖G‖2, and the polar
/// factor of a rank-r matrix moves by at most 2‖E‖2/σ_r under such a perturbation (R.-C. Li's perturbation bound for
/// the unitary polar factor), i.e. by ~2·max(m,n)·u·κ with κ = σ_1/σ_r. The orthogonal multipliers P, R add
/// O(max(m,n)·u). Factor 32 covers the constants of the SVD and product error bounds.
template <class S>
double polar_tol(const Mat<S>& g) {
  const double mn = static_cast<double>(std::max(g.rows(), g.cols()));
  return 32 * mn * Working<S>::u() * polar_condition(g);
}

/// Tolerance for two Newton–Schulz results of the same normalized input along different rounding paths:
/// 8·(N+1)·k·u·B·Π L_i (props.hpp, NsLipschitz), k the inner dimension of the products.
template <class S>
double ns_tol(const spectral::NsScheduleSpec& spec, Eigen::Index m, Eigen::Index n) {
  const NsLipschitz l = ns_lipschitz(spec);
  const double k = static_cast<double>(std::max(m, n));
  return 8 * (static_cast<double>(spec.steps.size()) + 1) * k * Working<S>::u() * l.bound * l.growth;
}

std::string pick_schedule() { return *rc::gen::element<std::string>("ns5", "pe5", "pe-paper", "cubic"); }

}  // namespace

TEMPLATE_TEST_CASE("ortho is equivariant: ortho(P G R) = P ortho(G) R", "[properties][ortho]", double, Real) {
  using S = TestType;
  check_property("orthogonal P, R", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const Mat<S> g = build_matrix<S>(c);
    spectral::Rng rng(c.seed, 1);
    const Mat<S> p = spectral::random_orthogonal<S>(rng, c.m), r = spectral::random_orthogonal<S>(rng, c.n);
    const Mat<S> lhs = spectral::ortho(Mat<S>(p * g * r));
    const Mat<S> rhs = p * spectral::ortho(g) * r;
    RC_ASSERT(max_abs_diff(lhs, rhs) <= polar_tol(g));
  });
}

TEMPLATE_TEST_CASE("ortho commutes with transposition, scaling and negation", "[properties][ortho]", double, Real) {
  using S = TestType;
  check_property("ortho(G^T) = ortho(G)^T", cases<S>(), [] {
    Working<S> w;
    const Mat<S> g = build_matrix<S>(pick_case(6, 30));
    RC_ASSERT(max_abs_diff(spectral::ortho(Mat<S>(g.transpose())), Mat<S>(spectral::ortho(g).transpose())) <=
              polar_tol(g));
  });
  check_property("ortho(cG) = ortho(G) for c = 10^k > 0, |k| <= 30", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const int k = *rc::gen::inRange(-30, 31);
    const Mat<S> g = build_matrix<S>(c);
    RC_ASSERT(max_abs_diff(spectral::ortho(Mat<S>(pow10<S>(k) * g)), spectral::ortho(g)) <= polar_tol(g));
  });
  check_property("ortho(-G) = -ortho(G)", cases<S>(), [] {
    Working<S> w;
    const Mat<S> g = build_matrix<S>(pick_case(6, 30));
    RC_ASSERT(max_abs_diff(spectral::ortho(Mat<S>(-g)), Mat<S>(-spectral::ortho(g))) <= polar_tol(g));
  });
}

TEMPLATE_TEST_CASE("ortho of a rank-k matrix has exactly k unit singular values", "[properties][ortho]", double,
                   Real) {
  using S = TestType;
  check_property("rank k -> k ones and min(m,n) - k zeros", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const Mat<S> g = build_matrix<S>(c);
    const spectral::Polar<S> pol = spectral::polar(g);
    RC_ASSERT(pol.rank == c.rank);
    const Vec<S> s = spectral::singular_values(pol.Q);
    // U_r V_rᵀ has singular values 1 up to the loss of orthogonality of the computed U_r, V_r: O(max(m,n)·u),
    // independent of κ(G); factor 32 for the SVD constants.
    const double tol = 32 * std::max(c.m, c.n) * Working<S>::u();
    for (Eigen::Index i = 0; i < s.size(); ++i) {
      const double target = i < c.rank ? 1.0 : 0.0;
      RC_ASSERT(std::abs(to_double(s(i)) - target) <= tol);
    }
  });
}

TEMPLATE_TEST_CASE("Newton-Schulz is its scalar polynomial on the singular values", "[properties][ns]", double,
                   Real) {
  using S = TestType;
  check_property("NS(G) = U F(Sigma/nu) V^T", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const std::string name = pick_schedule();
    const spectral::NsScheduleSpec spec = spectral::named_schedule(name, 12);
    const spectral::NsSchedule<S> sch = spectral::schedule_cast<S>(spec);
    const Mat<S> g = build_matrix<S>(c);
    const spectral::Svd<S> d = spectral::svd(g);
    const S nu = spectral::ns_normalizer(sch, spectral::norm_frobenius(g));
    Vec<S> f(d.s.size());
    for (Eigen::Index i = 0; i < f.size(); ++i) f(i) = spectral::ns_scalar_map(sch, S(d.s(i) / nu));
    const Mat<S> expect = d.U * f.asDiagonal() * d.V.transpose();
    RC_ASSERT(max_abs_diff(spectral::newton_schulz(g, sch), expect) <= ns_tol<S>(spec, c.m, c.n));
  });
}

TEMPLATE_TEST_CASE("Newton-Schulz: negation and transposition are exact, the two branches agree",
                   "[properties][ns]", double, Real) {
  using S = TestType;
  check_property("NS(-G) = -NS(G) bit for bit", cases<S>(), [] {
    Working<S> w;
    const Mat<S> g = build_matrix<S>(pick_case(6, 30));
    const auto sch = spectral::schedule_cast<S>(spectral::named_schedule(pick_schedule(), 12));
    // Every step is odd in X and rounding is symmetric, so fl(NS(−G)) = −fl(NS(G)) exactly.
    RC_ASSERT(bit_identical(spectral::newton_schulz(Mat<S>(-g), sch), Mat<S>(-spectral::newton_schulz(g, sch))));
  });
  check_property("NS(G^T) = NS(G)^T (bit for bit unless square)", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const Mat<S> g = build_matrix<S>(c);
    const spectral::NsScheduleSpec spec = spectral::named_schedule(pick_schedule(), 12);
    const auto sch = spectral::schedule_cast<S>(spec);
    const Mat<S> a = spectral::newton_schulz(Mat<S>(g.transpose()), sch);
    const Mat<S> b = spectral::newton_schulz(g, sch).transpose();
    // A non-square input is iterated in its wide orientation either way: the same arithmetic.
    if (c.m != c.n) RC_ASSERT(bit_identical(a, b));
    RC_ASSERT(max_abs_diff(a, b) <= ns_tol<S>(spec, c.m, c.n));
  });
  check_property("the X X^T (wide) and X^T X (tall) iterations agree", cases<S>(), [] {
    Working<S> w;
    const Case c = pick_case(6, 30);
    const Mat<S> g = build_matrix<S>(c);
    const spectral::NsScheduleSpec spec = spectral::named_schedule(pick_schedule(), 12);
    const auto sch = spectral::schedule_cast<S>(spec);
    // The branch newton_schulz does not take: X ← aX + X(bA + cA²) with A = XᵀX for a wide (or square) input,
    // A = XXᵀ on the left for a tall one (it transposes tall inputs). p(XXᵀ)X = X p(XᵀX), so they agree.
    Mat<S> x = g / spectral::ns_normalizer(sch, spectral::norm_frobenius(g));
    const bool tall = c.m > c.n;
    for (const auto& st : sch.steps) {
      if (tall) {
        const Mat<S> a = x * x.transpose();
        x = st.a * x + (st.b * a + st.c * a * a) * x;
      } else {
        const Mat<S> a = x.transpose() * x;
        x = st.a * x + x * (st.b * a + st.c * a * a);
      }
    }
    RC_ASSERT(max_abs_diff(spectral::newton_schulz(g, sch), x) <= ns_tol<S>(spec, c.m, c.n));
  });
}
