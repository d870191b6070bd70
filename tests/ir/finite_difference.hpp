// \file Richardson-extrapolated central differences, the numerical reference for derivatives.
#pragma once

#include <cmath>

namespace nj::testing {

// f'(x) by central differences at steps h and h/2 combined to O(h^4) truncation error.
template <class F> double centralDerivative(F&& f, double x, double h) {
  auto central = [&](double s) { return (f(x + s) - f(x - s)) / (2 * s); };
  return (4 * central(h / 2) - central(h)) / 3;
}

} // namespace nj::testing
