// MuonAll (seed 003): a 1-D parameter g (passed as n×1) is treated as diag(g); 2-D parameters get Muon.
#include "solver_test_util.hpp"

using namespace muonlab;
using namespace muonlab::solvers;
using namespace muonlab::test;

TEMPLATE_TEST_CASE("muonall: on a 1-D parameter the exact polar factor gives sign", "[solvers][muonall]", double,
                   Real) {
  using S = TestType;
  TestPrecision<S> prec;
  // ortho(diag v) = diag(sign v): with no momentum, W ← W − lr·sign(g), i.e. SignGD on the vector.
  Mat<S> g(5, 1);
  g << S(3), S(-1) / S(1000), S(0), S(2), S(-7);
  auto all = make_optimizer<S>("muonall:ortho=polar,momentum=none");
  auto sgd = make_optimizer<S>("signgd");
  Mat<S> w1 = fixed_matrix<S>(5, 1, 130), w2 = w1;
  all->step(w1, g, S(1) / S(10));
  sgd->step(w2, g, S(1) / S(10));
  CHECK(identical<S>(w1, w2));
  // With momentum (Keller EMA + Nesterov) the direction is sign(u), u a positive multiple of g on step one.
  auto keller = make_optimizer<S>("muonall:ortho=polar");
  CHECK(identical<S>(keller->peek_direction(g), spectral::sign(g)));
}

TEMPLATE_TEST_CASE("muonall: with NS5 the 1-D update is Muon applied to diag(g), read back", "[solvers][muonall]",
                   double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  const Eigen::Index n = 6;
  const Mat<S> g1 = fixed_matrix<S>(n, 1, 140), g2 = fixed_matrix<S>(n, 1, 141);
  auto all = make_optimizer<S>("muonall");
  auto muon = make_optimizer<S>("muon");  // on the n×n diagonal matrices; square, so the Keller scale is 1 too
  Mat<S> wv = Mat<S>::Zero(n, 1), wm = Mat<S>::Zero(n, n);
  for (const Mat<S>* g : {&g1, &g2}) {
    all->step(wv, *g, S(1) / S(10));
    muon->step(wm, Mat<S>(g->col(0).asDiagonal()), S(1) / S(10));
  }
  // The diagonal path performs the matrix iteration's arithmetic on the diagonal (the off-diagonal terms are
  // exact zeros); BLAS may order the sums differently in double, hence a few ε of slack.
  CHECK(max_diff<S>(wv, Mat<S>(wm.diagonal())) <= 100 * to_double(TestPrecision<S>::eps()));
  CHECK(spectral::norm_max(Mat<S>(wm - Mat<S>(wm.diagonal().asDiagonal()))) == S(0));
}

TEMPLATE_TEST_CASE("muonall: a 2-D parameter gets plain Muon", "[solvers][muonall]", double, Real) {
  using S = TestType;
  TestPrecision<S> prec;
  const Mat<S> g = fixed_matrix<S>(3, 4, 150);
  CHECK(identical<S>(make_optimizer<S>("muonall")->peek_direction(g), make_optimizer<S>("muon")->peek_direction(g)));
}
