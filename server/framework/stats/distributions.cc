#include "server/framework/stats/distributions.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/framework/stats/distributions_internal.h"

namespace equilink::framework::stats {
namespace {

constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
// Lentz's method replaces a zero denominator by a number this small, which
// changes nothing but avoids the division by zero (Numerical Recipes 5.2).
constexpr double kLentzTiny = 1e-300;
// Series and continued fractions below converge in O(sqrt(a)) terms; the cap
// only stops a pathological argument (a ~ 1e12) from looping for ever.
constexpr int kMaxTerms = 1'000'000;
// Relative step at which a root is taken as found: three orders above
// machine epsilon, because the functions themselves carry ~1e-15 error.
constexpr double kRootTolerance = 1e-13;
// Newton normally needs under ten steps; bisection alone needs ~1,100 to
// shrink [0, 2^1024] to 1e-13 relative, so this cap is never the limit.
constexpr int kMaxRootSteps = 2'000;
// Doubling 2,000 times passes DBL_MAX, so a bracket is always found first.
constexpr int kMaxBracketDoublings = 2'000;

double LogGamma(double x) {
  // lgamma_r, not std::lgamma: glibc's lgamma writes the global signgam,
  // a data race when tables are computed on several threads.
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

bool IsProbability(double p) { return p > 0.0 && p < 1.0; }

absl::Status CheckProbability(double p) {
  if (IsProbability(p)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("probability ", p, " is not strictly between 0 and 1"));
}

absl::Status CheckPositive(double value, absl::string_view what) {
  if (value > 0.0 && std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " ", value, " is not a positive finite number"));
}

// The root of `residual`, an increasing function, above `lower` (where the
// residual is <= 0), starting from `guess`. Newton steps use `slope`, the
// residual's derivative; a step that would leave the bracket, or a
// non-finite one, is replaced by bisection, so the search always converges.
template <typename Residual, typename Slope>
double SolveIncreasing(const Residual& residual, const Slope& slope,
                       double guess, double lower) {
  double lo = lower;
  double hi = guess;
  for (int i = 0; i < kMaxBracketDoublings && residual(hi) < 0.0; ++i) {
    lo = hi;
    hi = 2.0 * hi + 1.0;
  }
  double x = guess;
  for (int step = 0; step < kMaxRootSteps; ++step) {
    const double f = residual(x);
    if (f == 0.0) return x;
    if (f < 0.0) {
      lo = x;
    } else {
      hi = x;
    }
    double next = x - f / slope(x);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (std::fabs(next - x) <= kRootTolerance * std::fabs(next) ||
        hi - lo <= kRootTolerance * std::fabs(hi)) {
      return next;
    }
    x = next;
  }
  return x;
}

}  // namespace

namespace internal {

double NormalQuantileUnchecked(double p) {
  if (p == 0.5) return 0.0;
  // For p > 0.5, 1 - p is exact in floating point (Sterbenz's lemma).
  const double tail = p < 0.5 ? p : 1.0 - p;
  // Abramowitz & Stegun 26.2.23: |error| < 4.5e-4 for the upper-tail
  // deviate; negated for the lower tail.
  const double t = std::sqrt(-2.0 * std::log(tail));
  double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                       (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
  // Halley's method on Phi(x) - tail: cubic convergence takes 4.5e-4 to
  // below 1e-16 in three steps; the fourth is insurance.
  for (int i = 0; i < 4; ++i) {
    const double density =
        std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
    const double u = (NormalCdf(x) - tail) / density;
    if (!std::isfinite(u)) break;
    x -= u / (1.0 + 0.5 * x * u);
  }
  return p < 0.5 ? x : -x;
}

Tails IncompleteGamma(double a, double x) {
  if (x <= 0.0) return {0.0, 1.0};
  const double log_prefix = a * std::log(x) - x - LogGamma(a);
  if (x < a + 1.0) {
    // The power series (DLMF 8.11.4 rearranged) converges fast below the
    // mode and gives the lower tail directly.
    double term = 1.0 / a;
    double sum = term;
    for (int n = 1; n < kMaxTerms; ++n) {
      term *= x / (a + n);
      sum += term;
      if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
    }
    const double lower = sum * std::exp(log_prefix);
    return {lower, 1.0 - lower};
  }
  // Legendre's continued fraction (DLMF 8.9.2) for the upper tail, by the
  // modified Lentz method.
  double b = x + 1.0 - a;
  double c = 1.0 / kLentzTiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < kMaxTerms; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kLentzTiny) d = kLentzTiny;
    c = b + an / c;
    if (std::fabs(c) < kLentzTiny) c = kLentzTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  const double upper = std::exp(log_prefix) * h;
  return {1.0 - upper, upper};
}

namespace {

// The continued fraction for I_x(a, b) (DLMF 8.17.22), by modified Lentz;
// converges quickly for x < (a + 1) / (a + b + 2).
double BetaContinuedFraction(double x, double a, double b) {
  double c = 1.0;
  double d = 1.0 - (a + b) * x / (a + 1.0);
  if (std::fabs(d) < kLentzTiny) d = kLentzTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < kMaxTerms; ++m) {
    const double m2 = 2.0 * m;
    const double even = m * (b - m) * x / ((a - 1.0 + m2) * (a + m2));
    d = 1.0 + even * d;
    if (std::fabs(d) < kLentzTiny) d = kLentzTiny;
    c = 1.0 + even / c;
    if (std::fabs(c) < kLentzTiny) c = kLentzTiny;
    d = 1.0 / d;
    h *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2));
    d = 1.0 + odd * d;
    if (std::fabs(d) < kLentzTiny) d = kLentzTiny;
    c = 1.0 + odd / c;
    if (std::fabs(c) < kLentzTiny) c = kLentzTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

}  // namespace

Tails IncompleteBeta(double x, double y, double a, double b) {
  if (x <= 0.0) return {0.0, 1.0};
  if (y <= 0.0) return {1.0, 0.0};
  const double log_front = a * std::log(x) + b * std::log(y) - LogGamma(a) -
                           LogGamma(b) + LogGamma(a + b);
  // Each tail from the fraction that converges for it, so a small tail keeps
  // its relative precision instead of being 1 minus something.
  if (x < (a + 1.0) / (a + b + 2.0)) {
    const double lower =
        std::exp(log_front) * BetaContinuedFraction(x, a, b) / a;
    return {lower, 1.0 - lower};
  }
  const double upper = std::exp(log_front) * BetaContinuedFraction(y, b, a) / b;
  return {1.0 - upper, upper};
}

double StudentTUpperTail(double t, double df) {
  // P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0; 1 - x is formed
  // as t^2/(df+t^2) directly, so small t loses nothing to cancellation.
  const double t2 = t * t;
  const Tails tails =
      IncompleteBeta(df / (df + t2), t2 / (df + t2), 0.5 * df, 0.5);
  return 0.5 * tails.lower;
}

double StudentTQuantileUnchecked(double p, double df) {
  if (p == 0.5) return 0.0;
  if (df == 1.0) {
    // The Cauchy quantile tan(pi (p - 1/2)), written as a cotangent of the
    // smaller tail so that p - 1/2 does not round away a tiny p.
    return p < 0.5 ? -1.0 / std::tan(std::numbers::pi * p)
                   : 1.0 / std::tan(std::numbers::pi * (1.0 - p));
  }
  if (df == 2.0) return (2.0 * p - 1.0) / std::sqrt(2.0 * p * (1.0 - p));
  const double tail = p < 0.5 ? p : 1.0 - p;
  // Cornish-Fisher expansion about the normal deviate (Abramowitz & Stegun
  // 26.7.5, first two terms) as the starting point.
  const double z = -NormalQuantileUnchecked(tail);
  const double z2 = z * z;
  const double guess = z + z * (z2 + 1.0) / (4.0 * df) +
                       z * ((5.0 * z2 + 16.0) * z2 + 3.0) / (96.0 * df * df);
  const double log_density_scale = LogGamma(0.5 * (df + 1.0)) -
                                   LogGamma(0.5 * df) -
                                   0.5 * std::log(df * std::numbers::pi);
  const auto residual = [&](double t) {
    return tail - StudentTUpperTail(t, df);
  };
  const auto density = [&](double t) {
    return std::exp(log_density_scale -
                    0.5 * (df + 1.0) * std::log1p(t * t / df));
  };
  const double t = SolveIncreasing(residual, density, guess, 0.0);
  return p < 0.5 ? -t : t;
}

double GammaQuantileUnchecked(double p, double shape) {
  // Solve on whichever tail is the smaller, where it is accurate.
  const bool upper = p > 0.5;
  const double target = upper ? 1.0 - p : p;
  const double log_gamma = LogGamma(shape);
  const auto residual = [&](double x) {
    const Tails tails = IncompleteGamma(shape, x);
    return upper ? target - tails.upper : tails.lower - target;
  };
  const auto density = [&](double x) {
    return std::exp((shape - 1.0) * std::log(x) - x - log_gamma);
  };
  // Wilson-Hilferty cube-root approximation as the start; for a small shape
  // and small p it can go negative, and then P(a, x) ~ x^a / (a Gamma(a))
  // near 0 gives the start instead.
  const double z = NormalQuantileUnchecked(p);
  const double v = 1.0 / (9.0 * shape);
  double guess = shape * std::pow(1.0 - v + z * std::sqrt(v), 3.0);
  if (!(guess > 0.0)) {
    guess = std::exp((std::log(p) + std::log(shape) + log_gamma) / shape);
  }
  return SolveIncreasing(residual, density, guess, 0.0);
}

}  // namespace internal

double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

absl::StatusOr<double> NormalQuantile(double p) {
  if (absl::Status s = CheckProbability(p); !s.ok()) return s;
  return internal::NormalQuantileUnchecked(p);
}

absl::StatusOr<double> TwoSidedNormalCritical(double confidence) {
  if (!IsProbability(confidence)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "confidence ", confidence, " is not strictly between 0 and 1"));
  }
  return -internal::NormalQuantileUnchecked(0.5 * (1.0 - confidence));
}

absl::StatusOr<double> RegularizedLowerGamma(double a, double x) {
  if (absl::Status s = CheckPositive(a, "gamma shape"); !s.ok()) return s;
  if (!(x >= 0.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("incomplete gamma argument ", x, " is negative"));
  }
  if (std::isinf(x)) return 1.0;
  return internal::IncompleteGamma(a, x).lower;
}

absl::StatusOr<double> GammaQuantile(double p, double shape) {
  if (absl::Status s = CheckProbability(p); !s.ok()) return s;
  if (absl::Status s = CheckPositive(shape, "gamma shape"); !s.ok()) return s;
  return internal::GammaQuantileUnchecked(p, shape);
}

absl::StatusOr<double> ChiSquareQuantile(double p, double degrees_of_freedom) {
  if (absl::Status s = CheckProbability(p); !s.ok()) return s;
  if (absl::Status s = CheckPositive(degrees_of_freedom, "degrees of freedom");
      !s.ok()) {
    return s;
  }
  return 2.0 * internal::GammaQuantileUnchecked(p, 0.5 * degrees_of_freedom);
}

absl::StatusOr<double> RegularizedIncompleteBeta(double x, double a, double b) {
  if (absl::Status s = CheckPositive(a, "beta shape a"); !s.ok()) return s;
  if (absl::Status s = CheckPositive(b, "beta shape b"); !s.ok()) return s;
  if (!(x >= 0.0 && x <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("incomplete beta argument ", x, " is outside [0, 1]"));
  }
  return internal::IncompleteBeta(x, 1.0 - x, a, b).lower;
}

absl::StatusOr<double> StudentTCdf(double t, double degrees_of_freedom) {
  if (absl::Status s = CheckPositive(degrees_of_freedom, "degrees of freedom");
      !s.ok()) {
    return s;
  }
  if (std::isnan(t)) return absl::InvalidArgumentError("t is NaN");
  if (std::isinf(t)) return t > 0.0 ? 1.0 : 0.0;
  // Each tail from the upper-tail function at |t|, so a small lower tail
  // keeps its relative precision.
  if (t < 0.0) return internal::StudentTUpperTail(-t, degrees_of_freedom);
  return 1.0 - internal::StudentTUpperTail(t, degrees_of_freedom);
}

absl::StatusOr<double> StudentTQuantile(double p, double degrees_of_freedom) {
  if (absl::Status s = CheckProbability(p); !s.ok()) return s;
  if (absl::Status s = CheckPositive(degrees_of_freedom, "degrees of freedom");
      !s.ok()) {
    return s;
  }
  return internal::StudentTQuantileUnchecked(p, degrees_of_freedom);
}

}  // namespace equilink::framework::stats
