// muonlab bias: runs one optimizer on a toy problem and reports which candidate solution its iterates approach
// (REFERENCE §2, issue 3; k samples, issue 5; classification and weight decay, issue 19). Parses, calls
// theory::run_bias, writes the trajectory, prints.
#include "cli/commands.hpp"
#include "solvers/optimizer.hpp"
#include "theory/bias_command.hpp"

#include <memory>

namespace muonlab::cli {
namespace {

std::string optimizer_list() {
  std::string s;
  for (const auto& [name, help] : solvers::optimizer_help()) s += "\n  " + name + ": " + help;
  return s;
}

}  // namespace

Command add_bias(CLI::App& app) {
  auto a = std::make_shared<theory::BiasOptions>();
  auto digits = std::make_shared<unsigned>(a->precision.digits());
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "bias",
      "Runs one optimizer on a toy least-squares problem L = 1/2|W x - y|^2 (W0 = 0; or continuation from W0, "
      "the LoRA surrogate, k samples) and reports the distance of its iterates to the candidate solutions "
      "W*_max = y sign(x)^T/|x|_1 (min max-norm, SignGD's limit), W*_2 = y x^T/|x|_2^2 (min spectral norm, "
      "Muon's limit) and W*_F (min Frobenius norm), with a verdict: 'converged to X' when the relative distance "
      "|W_T - X|_F/|X - W0|_F is at most --tol, else 'none of them'. With --samples K > 1 (W X = Y, X n x K) the "
      "candidates are the min max-norm (exact rational simplex), min spectral-norm and min Frobenius interpolants "
      "found by the solvers, each with its optimality certificate, and the verdict also says which norms the limit "
      "minimizes.");
  sub->add_option("--optimizer", a->optimizer,
                  "Optimizer spec NAME[:key=value,...], e.g. signgd, adam:eps=0, muon, muon:ortho=pe5, "
                  "muon-ideal, adamuon, normuon, muonall, gd. Known:" + optimizer_list())
      ->required();
  sub->add_option("--problem", a->problem,
                  "single | continuation | lora | ksample (default single; ksample when --samples > 1) | classify "
                  "(separable K-class data, cross-entropy: the run's normalized margins against the certified "
                  "max-norm, spectral and Frobenius max-margin classifiers) | batch1 (this project's batch-size-1 "
                  "example, 3 points in R^2)");
  sub->add_option("--instance", a->instance,
                  "Read the instance from a file instead: sections [x] (one sample per row), [y] (one target per "
                  "row), optional [w0] (m rows) and [a] (LoRA factor, r rows); CSV or spaces; decimals or p/q");
  sub->add_option("--entries", a->entries, "Random entries: gaussian (default) | integer (non-zero in [-3, 3])");
  sub->add_option("--m", a->m, "Rows of W (default 4)")->check(CLI::Range(1, 4096));
  sub->add_option("--n", a->n, "Columns of W (default 6)")->check(CLI::Range(1, 4096));
  sub->add_option("--samples", a->samples,
                  "Samples k (1 <= k <= n; default 1); k > 1 selects --problem ksample (W0 random, X n x k, Y m x k); "
                  "classify: the number of data points N (>= K; default 8)")
      ->check(CLI::Range(1, 4096));
  sub->add_option("--rank", a->rank, "LoRA rank r for --problem lora (default 2)")->check(CLI::Range(1, 4096));
  sub->add_option("--digits", *digits,
                  "MPFR working precision in decimal digits (default 30, not the project's 50: see "
                  "docs/conventions.md, Precision)")
      ->check(digits_validator());
  sub->add_flag("--exact", a->exact,
                "Exact rational arithmetic (field-only optimizers: signgd, gd; schedules with rational values)");
  sub->add_option("--steps", a->steps, "Steps T (default 2000)")->check(CLI::Range(0L, 100000000L));
  sub->add_option("--schedule", a->schedule,
                  "Step sizes: constant:lr=E | power:lr=E,p=P (E/(t+1)^P) | cosine:lr=E,steps=T,min=M | "
                  "linear:lr=E,steps=T,final=F,warmdown=W | a bare number (constant); default power:lr=0.5,p=1 "
                  "(classify, batch1: power:lr=0.1,p=0.5)");
  sub->add_option("--seed", a->seed, "Seed of the random instance (default 1)");
  sub->add_option("--records", a->records, "About this many log-spaced trajectory rows (default 200)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--tol", a->tol,
                  "Relative distance that counts as converged (default 1e-2); at least 100 x the unit roundoff of "
                  "--digits (exit 2 otherwise)")
      ->check(CLI::Range(0.0, 1.0));
  sub->add_option("--out", a->out,
                  "Write the trajectory CSV here (atomically): step,lr,loss,norm_max,norm_2,norm_F,dist_<c>...,"
                  "rel_<c>... for the candidates c in max, 2, F");
  sub->add_option("--decay-to", a->decay_to,
                  "With an optimizer that has decoupled weight decay (wd > 0): zero (W <- W - lr*wd*W, default) or w0 "
                  "(W <- W - lr*wd*(W - W0), continuation only); the candidates then include the predicted limits "
                  "W*_max(wd), W*_2(wd) for the budgets s/wd (theory/weight_decay.hpp)");
  sub->add_option("--classes", a->classes, "classify: number of classes K (default 3)")->check(CLI::Range(2, 64));
  sub->add_option("--batch", a->batch,
                  "classify, batch1: full (default) | cyclic:B | random:B (B samples per step; without momentum "
                  "and B = 1 the bias can change)");
  sub->add_flag("--normalize", a->normalize,
                "classify, batch1: divide each gradient by its Frobenius norm (with gd: normalized GD)");
  sub->add_flag("--json", *json, "Machine-readable output");
  return {sub, [=] {
            a->precision = spectral::Precision(*digits);
            const theory::BiasSummary s = theory::run_bias(*a);
            if (!a->out.empty()) write_file_atomic(a->out, s.trajectory_csv);
            print_summary(s, *json);
            return static_cast<int>(kOk);
          }};
}

}  // namespace muonlab::cli
