#ifndef EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_INTERNAL_H_
#define EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_INTERNAL_H_

// Unchecked forms of distributions.h, for callers in stats/ that have
// already validated their arguments. Not part of the library's API.

namespace equilink::framework::stats::internal {

// Both tails of a distribution, each computed where it is accurate, so a
// tail near 0 keeps its relative precision.
struct Tails {
  double lower;
  double upper;
};

// REQUIRES: 0 < p < 1.
double NormalQuantileUnchecked(double p);
// REQUIRES: a > 0, x >= 0 finite.
Tails IncompleteGamma(double a, double x);
// I_x(a, b) with y = 1 - x passed separately (exact for the caller).
// REQUIRES: a, b > 0; 0 <= x, y <= 1.
Tails IncompleteBeta(double x, double y, double a, double b);
// P(T > t). REQUIRES: df > 0, t >= 0 finite.
double StudentTUpperTail(double t, double df);
// REQUIRES: 0 < p < 1, df > 0.
double StudentTQuantileUnchecked(double p, double df);
// REQUIRES: 0 < p < 1, shape > 0.
double GammaQuantileUnchecked(double p, double shape);

}  // namespace equilink::framework::stats::internal

#endif  // EQUILINK_SERVER_FRAMEWORK_STATS_DISTRIBUTIONS_INTERNAL_H_
