// Tests of nj::units. Expected values come from physics (SI definitions), not from output.
#include "compiler/units/dimension.hpp"
#include "compiler/units/format.hpp"
#include "compiler/units/rational.hpp"
#include "compiler/units/unit_table.hpp"

#include <cmath>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

namespace nj::units {

// Readable failure messages.
void PrintTo(const Dimension& d, std::ostream* os) {
  *os << d.toString();
}
void PrintTo(const Rational& r, std::ostream* os) {
  *os << r.toString();
}

namespace {

using D = Dimension;

// A relative comparison: scales span 1e-24 .. 1e24.
::testing::AssertionResult sameScale(double actual, double expected) {
  if (std::abs(actual - expected) <= 1e-12 * std::abs(expected))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << actual << " != " << expected;
}

void expectSymbol(std::string_view symbol, double scale, const Dimension& dim) {
  SCOPED_TRACE(std::string(symbol));
  auto unit = lookupUnitSymbol(symbol);
  ASSERT_TRUE(unit.has_value());
  EXPECT_TRUE(sameScale(unit->scale, scale));
  EXPECT_EQ(unit->dim, dim);
}

void expectParsed(std::string_view text, double scale, const Dimension& dim) {
  SCOPED_TRACE(std::string(text));
  auto unit = parseUnitString(text);
  ASSERT_TRUE(unit.has_value());
  EXPECT_TRUE(sameScale(unit->scale, scale));
  EXPECT_EQ(unit->dim, dim);
}

TEST(Rational, NormalizesAndComputesExactly) {
  EXPECT_EQ(Rational(2, -4), Rational(-1, 2));
  EXPECT_EQ(Rational(0, -7), Rational(0));
  EXPECT_EQ(Rational(1, 2) + Rational(1, 3), Rational(5, 6));
  EXPECT_EQ(Rational(1, 2) - Rational(3, 4), Rational(-1, 4));
  EXPECT_EQ(Rational(2, 3) * Rational(9, 4), Rational(3, 2));
  EXPECT_EQ(Rational(1, 2) / Rational(-1, 4), Rational(-2));
  EXPECT_EQ(Rational(-1, 2).toString(), "-1/2");
  EXPECT_EQ(Rational(6, 3).toString(), "2");
  EXPECT_TRUE(Rational(-1, 2) < Rational(1, 3));
}

TEST(Dimension, VoltIsWattPerAmpere) {
  // V = W/A = J/(s*A) = kg*m^2*s^-3*A^-1.
  EXPECT_EQ(D::voltage(), D::power() / D::current());
  EXPECT_EQ(D::voltage(), D::energy() / D::charge());
  EXPECT_EQ(D::voltage(), D::fromBase(2, 1, -3, -1));
  EXPECT_EQ(D::voltage().toString(), "m^2*kg*s^-3*A^-1");
  EXPECT_EQ(D::power(), D::energy() / D::time());
  EXPECT_EQ(D::energy(), D::force() * D::length());
  EXPECT_EQ(D::pressure(), D::force() / D::area());
}

TEST(Dimension, CircuitLaws) {
  EXPECT_EQ(D::conductance(), D::dimensionless() / D::resistance()); // S = 1/ohm
  EXPECT_EQ(D::resistance(), D::voltage() / D::current());           // Ohm's law
  EXPECT_EQ(D::capacitance(), D::charge() / D::voltage());           // Q = C V
  EXPECT_EQ(D::capacitance() * D::resistance(), D::time());          // tau = R C
  EXPECT_EQ(D::capacitance() / D::conductance(), D::time());         // tau = C / g
  EXPECT_EQ(D::charge(), D::current() * D::time());
  // Membrane equation: C_m dV/dt = -g (V - E) + I, all per area or all absolute.
  EXPECT_EQ(D::specificCapacitance() * D::voltage() / D::time(), D::currentDensity());
  EXPECT_EQ(D::areaSpecificConductance() * D::voltage(), D::currentDensity());
  EXPECT_EQ(D::conductance() * D::voltage(), D::current());
}

TEST(Dimension, FrequencyAndNoise) {
  EXPECT_TRUE((D::frequency() * D::time()).isDimensionless());
  EXPECT_FALSE(D::frequency().isDimensionless());
  EXPECT_TRUE(D::dimensionless().isDimensionless());
  EXPECT_EQ(D::whiteNoise().pow(2), D::frequency()); // (s^-1/2)^2 = Hz
  EXPECT_EQ(D::whiteNoise(), D::frequency().pow(Rational(1, 2)));
  EXPECT_EQ(D::whiteNoise().exponent(BaseUnit::Second), Rational(-1, 2));
  // sigma * xi must be a voltage rate: sigma has V*s^-1/2.
  Dimension sigma = D::voltage() * D::time().pow(Rational(-1, 2));
  EXPECT_EQ(sigma * D::whiteNoise(), D::voltage() / D::time());
}

TEST(Dimension, RationalPowers) {
  EXPECT_EQ(D::area().pow(Rational(1, 2)), D::length());
  EXPECT_EQ(D::volume().pow(Rational(2, 3)), D::area());
  EXPECT_EQ(D::voltage().pow(Rational(1, 2)).pow(2), D::voltage());
  EXPECT_EQ(D::voltage().pow(0), D::dimensionless());
  EXPECT_EQ(D::resistance().pow(-1), D::conductance());
  EXPECT_EQ(D::dimensionless().toString(), "1");
  // Fractional exponents are parenthesized so the text parses back.
  EXPECT_EQ(D::whiteNoise().toString(), "s^(-1/2)");
}

TEST(UnitTable, PrefixScales) {
  expectSymbol("V", 1, D::voltage());
  expectSymbol("mV", 1e-3, D::voltage());
  expectSymbol("uV", 1e-6, D::voltage());
  expectSymbol("\u00B5V", 1e-6, D::voltage()); // micro sign
  expectSymbol("\u03BCV", 1e-6, D::voltage()); // Greek mu
  expectSymbol("nS", 1e-9, D::conductance());
  expectSymbol("mS", 1e-3, D::conductance());
  expectSymbol("siemens", 1, D::conductance());
  expectSymbol("ms", 1e-3, D::time());
  expectSymbol("us", 1e-6, D::time());
  expectSymbol("second", 1, D::time());
  expectSymbol("Mohm", 1e6, D::resistance());
  expectSymbol("kohm", 1e3, D::resistance());
  expectSymbol("GOhm", 1e9, D::resistance());
  expectSymbol("M\u03A9", 1e6, D::resistance());
  expectSymbol("uF", 1e-6, D::capacitance());
  expectSymbol("pF", 1e-12, D::capacitance());
  expectSymbol("nA", 1e-9, D::current());
  expectSymbol("pA", 1e-12, D::current());
  expectSymbol("uA", 1e-6, D::current());
  expectSymbol("amp", 1, D::current());
  expectSymbol("kHz", 1e3, D::frequency());
  expectSymbol("cm", 1e-2, D::length());
  expectSymbol("mm", 1e-3, D::length());
  expectSymbol("um", 1e-6, D::length());
  expectSymbol("dam", 10, D::length());
  expectSymbol("kg", 1, D::mass()); // the SI base unit is the kilogram
  expectSymbol("g", 1e-3, D::mass());
  expectSymbol("mM", 1, D::concentration()); // 1 mmol/L = 1 mol/m^3
  expectSymbol("uM", 1e-3, D::concentration());
  expectSymbol("nM", 1e-6, D::concentration());
  expectSymbol("L", 1e-3, D::volume());
  expectSymbol("mL", 1e-6, D::volume()); // 1 mL = 1 cm^3
  expectSymbol("kmol", 1e3, D::amount());
  expectSymbol("mK", 1e-3, D::temperature());
  expectSymbol("hPa", 1e2, D::pressure());
  expectSymbol("J", 1, D::energy());
  expectSymbol("W", 1, D::power());
  expectSymbol("N", 1, D::force());
  expectSymbol("C", 1, D::charge());
}

TEST(UnitTable, ExactSymbolBeatsPrefixSplit) {
  expectSymbol("m", 1, D::length());             // metre, not a bare milli
  expectSymbol("M", 1e3, D::concentration());    // molar, not a bare mega
  expectSymbol("Pa", 1, D::pressure());          // pascal, not peta-annum
  expectSymbol("mol", 1, D::amount());           // mole, not milli-"ol"
  expectSymbol("cd", 1, D::luminousIntensity()); // candela, not centi-day
}

TEST(UnitTable, RejectsNonUnits) {
  for (std::string_view s : {"min", "h", "d", "da", "T", "k", "", "hour", "kvolt", "mamp", "ohms",
                             "furlong", "mV/ms", "m2"}) {
    EXPECT_FALSE(isUnitSymbol(s)) << s;
  }
  EXPECT_TRUE(isUnitSymbol("mV"));
}

TEST(UnitTable, CombineCompoundUnits) {
  std::string unknown = "stale";
  auto gbar = combineUnit({{"mS", 1}, {"cm", -2}}, &unknown);
  ASSERT_TRUE(gbar.has_value());
  EXPECT_TRUE(sameScale(gbar->scale, 10)); // 1e-3 S / 1e-4 m^2
  EXPECT_EQ(gbar->dim, D::areaSpecificConductance());
  EXPECT_EQ(unknown, "");

  auto none = combineUnit({});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->scale, 1);
  EXPECT_TRUE(none->dim.isDimensionless());

  auto bad = combineUnit({{"mV", 1}, {"furlong", -1}, {"fortnight", 1}}, &unknown);
  EXPECT_FALSE(bad.has_value());
  EXPECT_EQ(unknown, "furlong");
}

TEST(ParseUnitString, CompoundForms) {
  expectParsed("mS/cm^2", 10, D::areaSpecificConductance());
  expectParsed("uA/cm^2", 1e-2, D::currentDensity());
  expectParsed("uF/cm^2", 1e-2, D::specificCapacitance());
  expectParsed("nA", 1e-9, D::current());
  expectParsed("1/ms", 1e3, D::frequency());
  expectParsed("mV/ms", 1, D::voltage() / D::time());
  expectParsed("s^-0.5", 1, D::whiteNoise());
  expectParsed("s^(-1/2)", 1, D::whiteNoise());
  expectParsed("ms^(-1/2)", std::sqrt(1e3), D::whiteNoise());
  expectParsed("mol/L", 1e3, D::concentration());
  expectParsed("mmol/L", 1, D::concentration());
  expectParsed("1", 1, D::dimensionless());
  expectParsed(" mV ", 1e-3, D::voltage());
  expectParsed("kg*m^2/s^3/A", 1, D::voltage()); // left to right: kg*m^2*s^-3*A^-1
  expectParsed("mV*ms^-1", 1, D::voltage() / D::time());
  expectParsed("m^+2", 1, D::area());
  expectParsed("uS*mV", 1e-9, D::current());
}

TEST(ParseUnitString, BaseFormRoundTrips) {
  for (const Dimension& d : {D::voltage(), D::whiteNoise(), D::concentration(),
                             D::specificCapacitance(), D::dimensionless()}) {
    auto unit = parseUnitString(d.toString());
    ASSERT_TRUE(unit.has_value()) << d.toString();
    EXPECT_EQ(unit->dim, d);
    EXPECT_TRUE(sameScale(unit->scale, 1));
  }
}

TEST(ParseUnitString, GarbageIsRejected) {
  for (std::string_view s :
       {"",          " ",
        "s^-1/2",    "/",
        "m/",        "*m",
        "m^",        "m^x",
        "m^(1/0)",   "m^(1/2",
        "mS//cm",    "m**2",
        "^2",        "2",
        "2/ms",      "1/",
        "11",        "1.5",
        "mV ms",     "mV/ ms",
        "\xff\xfe",  "m^.5",
        "m^1.",      "m^99999999999999999999",
        "min",       "furlong/s",
        "m^(1/2)^2", "m^(--1)",
        "Ym^999",    "m^(1/997)*m^(1/991)*m^(1/983)*m^(1/977)*m^(1/971)*m^(1/967)*m^(1/953)"}) {
    EXPECT_FALSE(parseUnitString(s).has_value()) << s;
  }
  // Every substring of a busy string: must never crash.
  std::string busy = "1/mS*cm^(-1/2)/\u00B5V^0.5*M\u03A9^(3)";
  for (std::size_t i = 0; i < busy.size(); ++i)
    for (std::size_t n = 0; i + n <= busy.size(); ++n)
      (void)parseUnitString(busy.substr(i, n));
}

TEST(Describe, NamedQuantities) {
  EXPECT_EQ(D::voltage().describe(), "voltage (V)");
  EXPECT_EQ(D::current().describe(), "current (A)");
  EXPECT_EQ(D::conductance().describe(), "conductance (S)");
  EXPECT_EQ(D::capacitance().describe(), "capacitance (F)");
  EXPECT_EQ(D::resistance().describe(), "resistance (ohm)");
  EXPECT_EQ(D::time().describe(), "time (s)");
  EXPECT_EQ((D::dimensionless() / D::time()).describe(), "frequency (Hz)");
  EXPECT_EQ((D::current() * D::time()).describe(), "charge (C)");
  EXPECT_EQ((D::amount() / D::volume()).describe(), "concentration (mol/m^3)");
  EXPECT_EQ((D::conductance() / D::area()).describe(), "area-specific conductance (S/m^2)");
  EXPECT_EQ((D::current() / D::area()).describe(), "current density (A/m^2)");
  EXPECT_EQ((D::capacitance() / D::area()).describe(), "specific capacitance (F/m^2)");
  EXPECT_EQ((D::voltage() / D::time()).describe(), "voltage per time (V/s)");
  EXPECT_EQ((D::current() / D::time()).describe(), "current per time (A/s)");
  EXPECT_EQ((D::time() / D::time()).describe(), "dimensionless");
  EXPECT_EQ(D::time().pow(Rational(-1, 2)).describe(), "noise (s^-1/2)");
}

TEST(Describe, UnnamedFallsBackToCompactForms) {
  EXPECT_EQ((D::voltage() * D::time()).describe(), "V*s"); // magnetic flux, the weber
  EXPECT_EQ((D::current() / D::length()).describe(), "A/m");
  EXPECT_EQ((D::conductance() / D::time()).describe(), "S/s");
  EXPECT_EQ((D::voltage() * D::time().pow(Rational(-1, 2))).describe(), "V/s^(1/2)");
  EXPECT_EQ((D::length() / D::time()).describe(), "m/s");
  EXPECT_EQ((D::dimensionless() / (D::length() * D::time())).describe(), "1/(m*s)");
  EXPECT_EQ((D::temperature() / D::current()).describe(), "K/A");
}

TEST(Format, DisplayStrings) {
  EXPECT_EQ(formatQuantity(-0.065, D::voltage()), "-65 mV");
  EXPECT_EQ(formatQuantity(0.01, D::time()), "10 ms");
  EXPECT_EQ(formatQuantity(1e-4, D::time()), "0.1 ms");
  // 120 mS/cm^2 = 0.12 S / 1e-4 m^2 = 1200 S/m^2.
  EXPECT_EQ(formatQuantity(1200, D::areaSpecificConductance()), "120 mS/cm^2");
  EXPECT_EQ(formatQuantity(0.6e-9, D::conductance()), "0.6 nS");
  EXPECT_EQ(formatQuantity(-2.5e-9, D::current()), "-2.5 nA");
  EXPECT_EQ(formatQuantity(0.1, D::currentDensity()), "10 uA/cm^2"); // 10e-6 A / 1e-4 m^2
  EXPECT_EQ(formatQuantity(200e-12, D::capacitance()), "200 pF");
  EXPECT_EQ(formatQuantity(0.01, D::specificCapacitance()), "1 uF/cm^2");
  EXPECT_EQ(formatQuantity(1e8, D::resistance()), "100 Mohm");
  EXPECT_EQ(formatQuantity(40, D::frequency()), "40 Hz");
  EXPECT_EQ(formatQuantity(0.1, D::concentration()), "0.1 mM"); // 0.1 mmol/L
  EXPECT_EQ(formatQuantity(0.5, D::dimensionless()), "0.5");
  EXPECT_EQ(formatQuantity(-0.0, D::voltage()), "0 mV");
  EXPECT_EQ(formatQuantity(1.0 / 3.0, D::dimensionless()), "0.333333333333"); // 12 digits
  EXPECT_EQ(formatQuantity(2, D::length() / D::time()), "2 m*s^-1");
}

TEST(Format, DisplayUnitsAgreeWithTheTable) {
  for (const Dimension& d :
       {D::voltage(), D::time(), D::conductance(), D::areaSpecificConductance(), D::current(),
        D::currentDensity(), D::capacitance(), D::specificCapacitance(), D::resistance(),
        D::frequency(), D::concentration()}) {
    DisplayUnit display = displayUnitFor(d);
    auto parsed = parseUnitString(display.text);
    ASSERT_TRUE(parsed.has_value()) << display.text;
    EXPECT_EQ(parsed->dim, d);
    EXPECT_TRUE(sameScale(display.scale, parsed->scale));
  }
  EXPECT_TRUE(sameScale(displayUnitFor(D::voltage()).scale, 1e-3));
  EXPECT_TRUE(sameScale(displayUnitFor(D::areaSpecificConductance()).scale, 10));
  EXPECT_EQ(displayUnitFor(D::dimensionless()).text, "");
}

} // namespace
} // namespace nj::units
