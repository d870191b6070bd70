// Test harness: load models (library files or text), lower them to GroupPrograms, and drive a
// group of neurons through any kernel with the arguments of abi/kernel_abi.h.
#pragma once

#include "abi/kernel_abi.h"
#include "compiler/interp/evaluate.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/check.hpp"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nj::test {

// Models of a set of files or one text, checked and lowered; owns the IR context.
struct LoadedModels {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  sema::Program program;
  sema::CheckedProgram checked;
  ir::Context ctx;
  std::vector<model_ir::ModelIr> models;

  void finish() {
    checked = sema::check(program, diags);
    ASSERT_FALSE(diags.hasErrors()) << diag::renderAll(sources, diags);
    for (const auto& [name, m] : checked.models)
      models.push_back(model_ir::lowerModel(m, ctx, diags));
    ASSERT_FALSE(diags.hasErrors()) << diag::renderAll(sources, diags);
  }
  void loadFiles(const std::vector<std::filesystem::path>& files) {
    program = sema::load(files, {NJ_STDLIB_DIR}, sources, diags);
    finish();
  }
  void loadText(const std::string& text) {
    program = sema::loadText("test.nj", text, {NJ_STDLIB_DIR}, sources, diags);
    finish();
  }
  const model_ir::ModelIr& model(const std::string& name) const {
    for (const auto& m : models)
      if (m.name == name) return m;
    throw std::runtime_error("no model " + name);
  }
};

inline std::vector<std::filesystem::path> neuronLibrary() {
  std::vector<std::filesystem::path> out;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(NJ_STDLIB_DIR) / "neurons"))
    if (e.path().extension() == ".nj") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// The library's file stems ("lif", …): parameters of the tests that run every model.
inline std::vector<std::string> neuronLibraryNames() {
  std::vector<std::string> names;
  for (const auto& path : neuronLibrary())
    names.push_back(path.stem().string());
  return names;
}

// A constant drive that makes the model fire, by the input's dimension, in SI (or the plain
// model's own numbers); neuron j of n gets a different multiple so neurons desynchronize.
// Models whose rheobase is far from the typical one are named.
inline double driveFor(const model_ir::ModelIr& m, const model_ir::Input& input, std::size_t j,
                       std::size_t n) {
  double base = 1.0;
  if (m.name == "MorrisLecar")
    base = 1.0; // 100 uA/cm^2 (fires from ~90)
  else if (m.name == "QIF")
    base = 5e-9; // 5 nA: R*I = 5 mV > a0 (V_c - V_rest)^2 / 4
  else if (m.name == "ResonateAndFire")
    base = 20; // equilibrium y = omega*I/(b^2 + omega^2) > 1
  else if (m.plain)
    base = 1.0;
  else if (input.dim == units::Dimension::currentDensity())
    base = 0.1; // 10 uA/cm^2
  else if (input.dim == units::Dimension::current())
    base = 0.5e-9; // 0.5 nA
  else if (input.dim == units::Dimension::voltage())
    base = 10e-3; // 10 mV
  return base * (0.8 + 2.2 * static_cast<double>(j) / static_cast<double>(n > 1 ? n - 1 : 1));
}

struct SpikeEvent {
  std::int64_t step;
  std::uint32_t neuron;
  friend bool operator==(const SpikeEvent&, const SpikeEvent&) = default;
};

// One group of n neurons in SoA layout, stepped by a kernel.
class Group {
public:
  Group(const model_ir::ModelIr& m, const lower::GroupProgram& p, std::size_t n, double dt)
      : p_(p), n_(n), dt_(dt) {
    for (const auto& x : m.parameters)
      params_.push_back(x.value);
    interp::Frame frame;
    frame.params = params_;
    std::vector<double> initial(m.states.size(), 0.0);
    for (std::size_t k = 0; k < m.states.size(); ++k) {
      frame.state = initial;
      if (m.states[k].initial) initial[k] = interp::evaluate(m.states[k].initial, frame);
    }
    for (double v : initial)
      state_.emplace_back(n, v);
    for (const auto& in : m.inputs) {
      std::vector<double> drive(n);
      for (std::size_t j = 0; j < n; ++j)
        drive[j] = driveFor(m, in, j, n);
      inputs_.push_back(std::move(drive));
    }
    normals_.assign(p.numNoise, std::vector<double>(n, 0.0));
    if (p.hasRefractory) {
      refractoryUntil_.assign(n, 0);
      interp::Frame pf;
      pf.params = params_;
      refractorySteps_ =
          static_cast<std::int64_t>(std::llround(interp::evaluate(p.refractoryPeriod, pf) / dt));
    }
    spikes_.assign(n, 0);
  }

  // Advances one step over [0, n) split at `splits` (each a separate kernel call); returns spikes.
  std::vector<std::uint32_t> step(const std::function<void(const NjGroupArgs&)>& kernel,
                                  std::int64_t stepIndex,
                                  const std::vector<std::uint64_t>& splits = {}) {
    std::vector<double*> statePtrs;
    for (auto& s : state_)
      statePtrs.push_back(s.data());
    std::vector<const double*> inputPtrs, normalPtrs;
    for (auto& s : inputs_)
      inputPtrs.push_back(s.data());
    for (auto& s : normals_)
      normalPtrs.push_back(s.data());
    std::uint32_t count = 0;
    std::vector<std::uint64_t> bounds = {0};
    bounds.insert(bounds.end(), splits.begin(), splits.end());
    bounds.push_back(n_);
    for (std::size_t c = 0; c + 1 < bounds.size(); ++c) {
      NjGroupArgs a{};
      a.state = statePtrs.data();
      a.params = params_.data();
      a.inputs = inputPtrs.data();
      a.normals = normalPtrs.empty() ? nullptr : normalPtrs.data();
      a.refractory_until = refractoryUntil_.empty() ? nullptr : refractoryUntil_.data();
      a.spikes = spikes_.data();
      a.spike_count = &count;
      a.begin = bounds[c];
      a.end = bounds[c + 1];
      a.step = stepIndex;
      a.dt = dt_;
      a.refractory_steps = refractorySteps_;
      kernel(a);
    }
    return {spikes_.begin(), spikes_.begin() + count};
  }

  // Runs `steps` steps, drawing normals from `seed` (the same draws for the same seed).
  std::vector<SpikeEvent> run(const std::function<void(const NjGroupArgs&)>& kernel,
                              std::int64_t steps, std::uint64_t seed = 7,
                              const std::vector<std::uint64_t>& splits = {}) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<SpikeEvent> events;
    for (std::int64_t s = 0; s < steps; ++s) {
      for (auto& z : normals_)
        for (double& x : z)
          x = normal(rng);
      for (std::uint32_t i : step(kernel, s, splits))
        events.push_back({s, i});
    }
    return events;
  }

  const std::vector<std::vector<double>>& state() const { return state_; }
  // inputs()[k][j]: input k of neuron j, held over the run (driveFor by default).
  std::vector<std::vector<double>>& inputs() { return inputs_; }

private:
  const lower::GroupProgram& p_;
  std::size_t n_;
  double dt_;
  std::vector<double> params_;
  std::vector<std::vector<double>> state_, inputs_, normals_;
  std::vector<std::int64_t> refractoryUntil_;
  std::int64_t refractorySteps_ = 0;
  std::vector<std::uint32_t> spikes_;
};

} // namespace nj::test
