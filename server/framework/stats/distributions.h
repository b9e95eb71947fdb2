#ifndef EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_H_
#define EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_H_

// The distribution functions the indicator statistics need: the normal,
// gamma (so chi-square) and Student's t quantiles that R's qnorm, qgamma,
// qchisq and qt give PHEindicatormethods. Written here because Debian 12
// ships no maths library the project may link, and std:: has none of them.
//
// Accuracy: the special functions are evaluated by series and continued
// fractions to machine precision, and each quantile is the root of its
// distribution function, found by Newton's method kept inside a bracket
// (bisection whenever a Newton step would leave it). Tests hold the t and
// gamma quantiles to 1e-10 relative of 40-digit references (typically
// ~1e-14), the normal quantile to 1e-13.
//
// All functions are pure and thread-safe. Probabilities are lower-tail,
// P(X <= x), and must lie strictly inside (0, 1) for a quantile: anything
// else, or a non-positive shape or degrees of freedom, or a NaN, is
// InvalidArgument.

#include "absl/status/statusor.h"

namespace equilink::framework::stats {

// Phi(x), the standard normal distribution function, through std::erfc so
// the lower tail keeps its relative precision.
double NormalCdf(double x);

// Phi^-1(p) (R's qnorm(p)). Starts from Abramowitz & Stegun 26.2.23 and
// polishes with Halley steps on NormalCdf to full double precision.
absl::StatusOr<double> NormalQuantile(double p);

// The two-sided critical value z with P(|Z| <= z) = confidence, i.e. R's
// qnorm(confidence + (1 - confidence) / 2) as PHEindicatormethods writes it
// (1.959963984540054 at 0.95, 3.090232306167813 at 0.998). confidence in
// (0, 1).
absl::StatusOr<double> TwoSidedNormalCritical(double confidence);

// P(a, x) = gamma(a, x) / Gamma(a), the regularised lower incomplete gamma
// function (R's pgamma(x, a)). REQUIRES-as-status: a > 0, x >= 0.
absl::StatusOr<double> RegularizedLowerGamma(double a, double x);

// The x with P(shape, x) = p for a unit-scale gamma (R's qgamma(p, shape)).
absl::StatusOr<double> GammaQuantile(double p, double shape);

// R's qchisq(p, df) = 2 * qgamma(p, df / 2). df > 0.
absl::StatusOr<double> ChiSquareQuantile(double p, double degrees_of_freedom);

// I_x(a, b), the regularised incomplete beta function (R's pbeta(x, a, b)).
// a, b > 0 and x in [0, 1].
absl::StatusOr<double> RegularizedIncompleteBeta(double x, double a, double b);

// P(T <= t) for Student's t with df > 0 degrees of freedom (R's pt).
absl::StatusOr<double> StudentTCdf(double t, double degrees_of_freedom);

// The t with P(T <= t) = p (R's qt(p, df)); df > 0, not only integers.
// Exact closed forms for df = 1 (Cauchy) and df = 2.
absl::StatusOr<double> StudentTQuantile(double p, double degrees_of_freedom);

}  // namespace equilink::framework::stats

#endif  // EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_H_
