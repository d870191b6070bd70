// \file The dynamical-analysis API (include/neurojit/analyze.hpp): parse the options against the
// model's names and dimensions, run the analysis, write the result folder, report a summary.
#include "neurojit/analyze.hpp"

#include "analysis/codim2.hpp"
#include "analysis/continuation.hpp"
#include "analysis/equilibrium_grid.hpp"
#include "analysis/errors.hpp"
#include "analysis/fast_slow.hpp"
#include "analysis/load_model.hpp"
#include "analysis/phase_plane.hpp"
#include "analysis/report.hpp"
#include "compiler/units/format.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace neurojit {
namespace {

using namespace nj::analysis;
namespace units = nj::units;
namespace model_ir = nj::model_ir;

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) out.push_back(part);
    start = end + 1;
  }
  return out;
}

std::pair<std::string, std::string> nameValue(const std::string& text, const std::string& option) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw AnalysisError(fmt::format("{} `{}`: write name=value", option, text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

units::Dimension dimensionOf(const model_ir::ModelIr& m, const std::string& name,
                             const std::string& what) {
  units::Dimension d;
  if (!findDimension(m, name, &d))
    throw AnalysisError(
        fmt::format("{}: {}", what,
                    unknownNameMessage(m, "state, parameter or input", name, settableNames(m))));
  return d;
}

// "lo:hi" with optional units; a unit written only after hi applies to lo as well ("0:150uA/cm^2").
std::pair<double, double> parseRange(const model_ir::ModelIr& m, const std::string& text,
                                     const std::string& option) {
  auto [name, value] = nameValue(text, option);
  auto colon = value.find(':');
  if (colon == std::string::npos)
    throw AnalysisError(fmt::format("{} {}: write {}=lo:hi", option, name, name));
  units::Dimension dim = dimensionOf(m, name, option);
  std::string lo = value.substr(0, colon), hi = value.substr(colon + 1);
  ParsedQuantity ql = parseQuantity(lo, option + " " + name),
                 qh = parseQuantity(hi, option + " " + name);
  if (!ql.hasUnit && qh.hasUnit) {
    std::size_t i = 0;
    while (i < hi.size() && (std::isdigit(static_cast<unsigned char>(hi[i])) ||
                             std::string(".+-eE").find(hi[i]) != std::string::npos))
      ++i;
    lo += hi.substr(i);
  }
  double a = quantityValue(lo, dim, option + " " + name),
         b = quantityValue(hi, dim, option + " " + name);
  if (!(b > a))
    throw AnalysisError(
        fmt::format("{} {}: the range is empty (lo must be below hi)", option, name));
  return {a, b};
}

std::pair<double, double> defaultRange(const model_ir::ModelIr& m, const DynamicalSystem& sys,
                                       std::size_t i) {
  double x0 = sys.defaultState()[static_cast<Eigen::Index>(i)];
  units::Dimension d;
  findDimension(m, sys.variables()[i].name, &d);
  if (m.plain) return {x0 - std::max(3.0, 2 * std::abs(x0)), x0 + std::max(3.0, 2 * std::abs(x0))};
  if (d == units::Dimension::fromBase(2, 1, -3, -1)) return {-0.1, 0.06}; // voltage
  if (d.isDimensionless()) return {0.0, 1.0};
  return {x0 - std::max(2 * std::abs(x0), sys.variables()[i].scale),
          x0 + std::max(2 * std::abs(x0), sys.variables()[i].scale)};
}

double parseDuration(const std::string& text, bool plain) {
  if (text.empty()) return plain ? 200 : 0.2;
  ParsedQuantity q = parseQuantity(text, "--duration");
  if (q.hasUnit) {
    if (!(q.dim == units::Dimension::time()))
      throw AnalysisError("--duration must be a time such as `200ms`");
    return plain ? q.value / 1e-3 : q.value;
  }
  if (!plain) throw AnalysisError("--duration: write a unit (e.g. 200ms): the model uses units");
  return q.value;
}

} // namespace

TextReport analyze(const AnalyzeOptions& o, const CompileOptions& compile) {
  TextReport report;
  std::string& out = report.out;
  try {
    LoadedModel lm = loadModelFile(o.file, o.model, compile.stdlibDir);
    const model_ir::ModelIr& m = lm.model;
    std::vector<std::string> vars = split(o.vars, ',');
    if (vars.empty()) {
      for (const auto& s : m.states)
        if (s.hasOde) vars.push_back(s.name);
      if (o.mode == "phase-plane" && vars.size() > 2)
        throw AnalysisError(
            fmt::format("choose one or two variables with --vars (model `{}` has: {})", m.name,
                        fmt::join(vars, ", ")));
    }
    SystemSpec spec;
    spec.variables = vars;
    ReportInfo info;
    info.modelFile = o.file.string();
    info.command = o.commandLine;
    info.plot = o.plot;
    for (const std::string& s : o.sets) {
      auto [name, value] = nameValue(s, "--set");
      double v = quantityValue(value, dimensionOf(m, name, "--set"), "--set " + name);
      spec.values[name] = v;
      info.settings[name] = v;
    }
    std::pair<double, double> p1{0, 0}, p2{0, 0};
    if (!o.param.empty()) {
      p1 = parseRange(m, o.param, "--param");
      spec.free.push_back(nameValue(o.param, "--param").first);
    }
    if (!o.param2.empty()) {
      p2 = parseRange(m, o.param2, "--param2");
      spec.free.push_back(nameValue(o.param2, "--param2").first);
    }
    if ((o.mode == "bifurcation" || o.mode == "fast-slow") && spec.free.size() != 1)
      throw AnalysisError(fmt::format("{} needs one --param NAME=lo:hi", o.mode));
    if (o.mode == "two-parameter" && spec.free.size() != 2)
      throw AnalysisError("two-parameter needs --param A=lo:hi and --param2 B=lo:hi");
    if (o.continueCurves && o.mode != "two-parameter")
      throw AnalysisError(fmt::format(
          "--continue belongs to two-parameter (fold and Hopf curves), not to {}", o.mode));
    DynamicalSystem sys(*lm.ctx, m, spec);
    Box box;
    for (std::size_t i = 0; i < sys.dimension(); ++i)
      box.push_back(defaultRange(m, sys, i));
    for (const std::string& r : o.ranges) {
      auto name = nameValue(r, "--range").first;
      auto it = std::find(vars.begin(), vars.end(), name);
      if (it == vars.end())
        throw AnalysisError(fmt::format("--range {}: `{}` is not one of the variables ({})", name,
                                        name, fmt::join(vars, ", ")));
      box[static_cast<std::size_t>(it - vars.begin())] = parseRange(m, r, "--range");
    }
    std::filesystem::path folder =
        o.out.empty() ? std::filesystem::path("out") / (m.name + "_" + o.mode) : o.out;
    OdeOptions ode;
    if (o.solver == "cvode") {
      ode.solver = OdeOptions::Solver::Cvode;
    } else if (o.solver != "dopri") {
      throw AnalysisError(fmt::format(
          "--solver {}: use dopri (Dormand-Prince, the default) or cvode (stiff)", o.solver));
    }
    if (o.rtol != 0) {
      if (!(o.rtol > 1e-14 && o.rtol < 1))
        throw AnalysisError(fmt::format("--rtol {:g}: the relative tolerance must be between "
                                        "1e-14 and 1",
                                        o.rtol));
      ode.rtol = o.rtol;
    }
    ReportResult result;
    if (o.mode == "phase-plane") {
      PhasePlaneOptions po;
      po.ode = ode;
      po.box = box;
      if (o.grid > 0) po.nullclineGrid = o.grid;
      po.duration = parseDuration(o.duration, m.plain);
      for (const std::string& init : o.initial) {
        Eigen::VectorXd x0 = sys.defaultState();
        for (const std::string& part : split(init, ',')) {
          auto [name, value] = nameValue(part, "--init");
          auto it = std::find(vars.begin(), vars.end(), name);
          if (it == vars.end())
            throw AnalysisError(fmt::format("--init {}: `{}` is not one of the variables ({})",
                                            name, name, fmt::join(vars, ", ")));
          x0[it - vars.begin()] =
              quantityValue(value, dimensionOf(m, name, "--init"), "--init " + name);
        }
        po.initial.push_back(x0);
      }
      PhasePlane pp = phasePlane(sys, po);
      result = writePhasePlane(folder, sys, pp, box, info);
      out += fmt::format("{}", describeFixedPoints(sys, pp.fixedPoints));
      for (std::size_t k = 0; k < pp.cycles.size(); ++k)
        if (pp.cycles[k])
          out += fmt::format(
              "trajectory {} settles on a limit cycle: period {:.6g} ms, {} from {:.6g} to "
              "{:.6g}{}\n",
              k, pp.cycles[k]->period / sys.time().scale, sys.variables()[0].name,
              pp.cycles[k]->min[0] / sys.variables()[0].scale,
              pp.cycles[k]->max[0] / sys.variables()[0].scale,
              sys.variables()[0].unit.empty() ? "" : " " + sys.variables()[0].unit);
      for (const auto& n : pp.notes)
        out += fmt::format("note: {}\n", n);
    } else if (o.mode == "bifurcation") {
      ContinuationOptions co;
      co.pMin = p1.first, co.pMax = p1.second;
      co.box = box;
      co.cycles = !o.noCycles;
      BifurcationDiagram d = continueEquilibria(sys, co);
      result = writeBifurcation(folder, sys, d, info);
      out += fmt::format("{}", describeDiagram(sys, d));
      double where = 0;
      std::string onset = onsetType(d, &where);
      if (onset != "none")
        out += fmt::format(
            "the stable equilibrium at {} = {} first loses stability at a {} point ({} = {})\n",
            sys.freeParameters()[0].name,
            fmt::format("{:g}", p1.first / sys.freeParameters()[0].scale), onset,
            sys.freeParameters()[0].name,
            fmt::format("{:.10g}", where / sys.freeParameters()[0].scale));
    } else if (o.mode == "fast-slow") {
      SystemSpec fullSpec = spec;
      fullSpec.free.clear();
      fullSpec.variables.push_back(spec.free[0]);
      fullSpec.values.erase(spec.free[0]);
      DynamicalSystem full(*lm.ctx, m, fullSpec);
      FastSlowOptions fo;
      fo.ode = ode;
      fo.continuation.pMin = p1.first, fo.continuation.pMax = p1.second;
      fo.continuation.box = box;
      fo.continuation.cycles = !o.noCycles;
      fo.continuation.maxCyclePoints = 120;
      fo.duration = parseDuration(o.duration, m.plain);
      fo.transient = fo.duration / 2; // the trajectory shown starts after it
      FastSlow fs = fastSlow(sys, full, fo);
      result = writeFastSlow(folder, sys, full, fs, info);
      out += fmt::format("{}", describeDiagram(sys, fs.fast));
      out += fmt::format("full system: {} spikes; spikes per burst: {}\n", fs.spikeTimes.size(),
                         fmt::join(fs.burstSizes, " "));
    } else if (o.mode == "two-parameter") {
      EquilibriumGridOptions go;
      go.p1Min = p1.first, go.p1Max = p1.second, go.p2Min = p2.first, go.p2Max = p2.second;
      go.box = box;
      if (o.grid > 0) go.n1 = go.n2 = o.grid;
      EquilibriumGrid g = equilibriumGrid(sys, go);
      if (o.continueCurves) {
        Codim2Options co;
        co.p1Min = p1.first, co.p1Max = p1.second, co.p2Min = p2.first, co.p2Max = p2.second;
        co.box = box;
        Codim2Diagram d = continueCodim2(sys, co);
        result = writeEquilibriumGrid(folder, sys, g, info, &d);
        out += fmt::format("{}×{} grid of equilibria written\n", g.n1, g.n2);
        out += describeCodim2(sys, d);
      } else {
        result = writeEquilibriumGrid(folder, sys, g, info);
        out += fmt::format("{}×{} grid of equilibria written (dense grid, no curve continuation)\n",
                           g.n1, g.n2);
      }
    } else {
      throw AnalysisError(fmt::format(
          "unknown analysis `{}`: use phase-plane, bifurcation, fast-slow or two-parameter",
          o.mode));
    }
    if (!result.plotMessage.empty())
      report.err += fmt::format("neurojit: plots: {}\n", result.plotMessage);
    for (const auto& img : result.images)
      out += fmt::format("plot: {}\n", img.string());
    out += fmt::format("results in {}\n", folder.string());
    return report.finish(0);
  } catch (const AnalysisError& e) {
    report.err += fmt::format("neurojit analyze: {}\n", e.what());
    return report.finish(1);
  }
}

} // namespace neurojit
