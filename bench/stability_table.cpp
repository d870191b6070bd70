// nj_stability_table: the table of docs/numerics.md — for every model of the standard library,
// the largest stable dt of each explicit method at the model's initial state (its defaults,
// inputs 0, t = 0), from the stability guard's linearisation (analysis/stability_guard.hpp).
//
//   nj_stability_table [STDLIB_DIR]                 prints the markdown table
//   nj_stability_table --check FILE [STDLIB_DIR]    exit 1 unless FILE holds exactly that table
//                                                   between the two marker lines
// The ctest `numerics_table_is_current` runs the second form on docs/numerics.md, so the table
// there is the tool's output, not typed by hand.
#include "analysis/stability_guard.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/pipeline/compile.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

namespace {

using namespace nj;

constexpr const char* kBegin = "<!-- stability-table:begin (nj_stability_table) -->";
constexpr const char* kEnd = "<!-- stability-table:end -->";

// The deterministic explicit methods, in the registry's order: the table's columns (the
// implicit ones are stable at every step, analysis/stability.hpp).
std::vector<std::string> columns() {
  std::vector<std::string> out;
  for (const integrators::Method& m : integrators::allMethods())
    if (!m.tableau.isStochastic() && !m.isImplicit() && !m.isAdaptive()) out.emplace_back(m.name);
  return out;
}

std::string cell(const analysis::StepLimit& l, double msPerUnit) {
  switch (l.kind) {
  case analysis::StepLimit::Unlimited:
    return "∞";
  case analysis::StepLimit::Undetermined:
    return "n/a";
  case analysis::StepLimit::Limited:
    break;
  }
  return fmt::format("{:.3g}", l.dt * msPerUnit);
}

std::string eigenvalueCell(const analysis::Linearisation& at, double msPerUnit) {
  if (at.eigenvalues.size() == 0) return "—";
  std::complex<double> fastest = at.eigenvalues[0];
  for (const auto& l : at.eigenvalues)
    if (std::abs(l) > std::abs(fastest)) fastest = l;
  const double re = fastest.real() / msPerUnit, im = fastest.imag() / msPerUnit;
  if (std::abs(im) <= 1e-12 * std::abs(re)) return fmt::format("{:.3g}", re);
  return fmt::format("{:.3g} ± {:.3g}i", re, std::abs(im));
}

std::string table(const std::filesystem::path& stdlib) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(stdlib))
    if (e.path().extension() == ".nj") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  const std::vector<std::string> methods = columns();

  std::string out = "| model | file | states with an equation | fastest λ (1/ms) | auto |";
  for (const auto& m : methods)
    out += fmt::format(" {} |", m);
  out += "\n|---|---|---|---|---|";
  for (std::size_t k = 0; k < methods.size(); ++k)
    out += "---|";
  out += "\n";
  for (const auto& file : files) {
    pipeline::Source source;
    source.files = {file};
    source.stdlibDir = stdlib;
    pipeline::Options options;
    options.until = pipeline::Pass::Lower;
    options.allModels = true;
    pipeline::Compilation c = pipeline::compile(source, options);
    if (!c.ok()) throw std::runtime_error(c.diagnostics());
    const std::string rel = std::filesystem::relative(file, stdlib).generic_string();
    for (const auto& f : c.source->program.files) {
      if (f.id != c.source->program.entries.front()) continue;
      for (const auto& decl : f.models) {
        const model_ir::ModelIr& model = c.models.at(decl.name);
        const double msPerUnit = model.plain ? 1.0 : 1e3; // model time unit: s or ms
        const analysis::Linearisation at = analysis::linearise(*c.ctx, model, {}, 0.0);
        std::string automatic = "—";
        if (!model.synapse) try {
            automatic = lower::lowerGroup(*c.ctx, model, "auto").method;
          } catch (const std::exception&) {
          }
        std::string states;
        for (const auto& v : at.variables)
          states += (states.empty() ? "" : ", ") + v;
        if (!at.skipped.empty()) {
          std::string why = at.skipped;
          std::replace(why.begin(), why.end(), '\n', ' ');
          std::replace(why.begin(), why.end(), '|', '/');
          out += fmt::format("| {} | {} | — ({}) | — | {} |", decl.name, rel, why, automatic);
          for (std::size_t k = 0; k < methods.size(); ++k)
            out += " — |";
          out += "\n";
          continue;
        }
        out += fmt::format("| {} | {} | {} | {} | {} |", decl.name, rel, states,
                           eigenvalueCell(at, msPerUnit), automatic);
        const std::vector<analysis::MethodStep> steps = analysis::methodSteps(*c.ctx, model, at);
        for (const auto& m : methods) {
          auto it = std::find_if(steps.begin(), steps.end(),
                                 [&](const analysis::MethodStep& s) { return s.method == m; });
          out += " " + (it == steps.end() ? std::string("—") : cell(it->limit, msPerUnit)) + " |";
        }
        out += "\n";
      }
    }
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string check;
  if (args.size() >= 2 && args[0] == "--check") {
    check = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  const std::filesystem::path stdlib = args.empty() ? NJ_STDLIB_DIR : args[0];
  try {
    const std::string t = table(stdlib);
    if (check.empty()) {
      fmt::print("{}\n{}{}\n", kBegin, t, kEnd);
      return 0;
    }
    std::ifstream in(check);
    std::stringstream text;
    text << in.rdbuf();
    const std::string doc = text.str();
    const auto b = doc.find(kBegin), e = doc.find(kEnd);
    if (!in || b == std::string::npos || e == std::string::npos || e < b) {
      fmt::print(stderr, "{}: no table between the markers `{}` and `{}`\n", check, kBegin, kEnd);
      return 1;
    }
    const std::string current =
        doc.substr(b + std::string(kBegin).size() + 1, e - b - std::string(kBegin).size() - 1);
    if (current != t) {
      fmt::print(stderr,
                 "{}: the stability table is out of date; regenerate it with nj_stability_table "
                 "and paste it between the markers. Expected:\n{}",
                 check, t);
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
}
