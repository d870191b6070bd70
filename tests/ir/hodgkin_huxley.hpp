// \file The Hodgkin–Huxley (1952) squid-axon model built directly in IR, for tests.
//
// Seed parameters, V in mV, t in ms, currents in uA/cm^2: C = 1, gNa = 120, gK = 36, gL = 0.3,
// ENa = 50, EK = -77, EL = -54.387. State slots: V 0, m 1, h 2, n 3; input I slot 0.
// With safeRates the alpha_m and alpha_n rates are written with exprel (finite at V = -40 and
// -55 mV); otherwise as the literal quotients of the paper, which are 0/0 there.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"

#include <array>

namespace nj::testing {

struct HodgkinHuxley {
  ir::Expr V, m, h, n, I;
  ir::Expr alphaM, betaM, alphaH, betaH, alphaN, betaN;
  ir::Expr dV, dm, dh, dn;

  std::array<ir::Expr, 4> states() const { return {V, m, h, n}; }
  std::array<ir::Expr, 4> rhs() const { return {dV, dm, dh, dn}; }

  explicit HodgkinHuxley(ir::Context& ctx, bool safeRates = false) {
    using ir::SymbolKind;
    V = ctx.symbol("V", SymbolKind::State, 0);
    m = ctx.symbol("m", SymbolKind::State, 1);
    h = ctx.symbol("h", SymbolKind::State, 2);
    n = ctx.symbol("n", SymbolKind::State, 3);
    I = ctx.symbol("I", SymbolKind::Input, 0);
    const double C = 1, gNa = 120, gK = 36, gL = 0.3, ENa = 50, EK = -77, EL = -54.387;
    if (safeRates) {
      alphaM = 1.0 / ir::exprel(-(V + 40.0) / 10.0);
      alphaN = 0.1 / ir::exprel(-(V + 55.0) / 10.0);
    } else {
      alphaM = 0.1 * (V + 40.0) / (1.0 - ir::exp(-(V + 40.0) / 10.0));
      alphaN = 0.01 * (V + 55.0) / (1.0 - ir::exp(-(V + 55.0) / 10.0));
    }
    betaM = 4.0 * ir::exp(-(V + 65.0) / 18.0);
    alphaH = 0.07 * ir::exp(-(V + 65.0) / 20.0);
    betaH = 1.0 / (1.0 + ir::exp(-(V + 35.0) / 10.0));
    betaN = 0.125 * ir::exp(-(V + 65.0) / 80.0);
    ir::Expr iNa = gNa * ir::pow(m, 3.0) * h * (V - ENa);
    ir::Expr iK = gK * ir::pow(n, 4.0) * (V - EK);
    ir::Expr iL = gL * (V - EL);
    dV = (I - iNa - iK - iL) / C;
    dm = alphaM * (1.0 - m) - betaM * m;
    dh = alphaH * (1.0 - h) - betaH * h;
    dn = alphaN * (1.0 - n) - betaN * n;
  }
};

} // namespace nj::testing
