#include "sundials/group_solver.hpp"

#include "abi/single_neuron.hpp"
#include "error/error.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <new>

#include <fmt/format.h>

namespace nj::sundials {

// One neuron: its session, and the model's right-hand side and Jacobian at its values, run by
// the JIT'd kernels on one neuron's cells (abi/single_neuron.hpp).
struct GroupSolver::Neuron : System {
  const GroupSolverSpec& spec;
  std::size_t m;
  abi::SingleNeuron cells;        // the group's states, then m·m output slots; the inputs
  std::vector<double> held;       // the states after the last step's kernel
  std::vector<double> lastInputs; // the inputs of the last step
  const double* params = nullptr;
  bool refractory = false;
  std::int64_t nextStep = -1; // the step the session is ready for
  long restarts = 0;
  std::unique_ptr<Session> session; // after the fields it calls back into

  explicit Neuron(const GroupSolverSpec& s)
      : spec(s), m(s.unknowns.size()), cells(s.numStates + m * m, s.numInputs), held(s.numStates),
        lastInputs(s.numInputs) {
    session = std::make_unique<Session>(*this, m, s.rtol, s.atol, s.integrator);
  }

  // Runs `kernel` (the rhs or the Jacobian program) at (t, y).
  void evaluate(const Kernel& kernel, double t, const double* y) {
    for (std::size_t k = 0; k < m; ++k)
      cells.state(spec.unknowns[k]) = y[k];
    kernel(cells.args(params, t));
  }

  void rhs(double t, const double* y, double* dy) override {
    evaluate(spec.rhs, t, y);
    for (std::size_t i = 0; i < m; ++i)
      dy[i] = refractory && spec.clamped[i] ? 0.0 : cells.state(spec.numStates + i);
  }

  void jacobian(double t, const double* y, double* J) override {
    evaluate(spec.jacobian, t, y);
    for (std::size_t j = 0; j < m; ++j)
      for (std::size_t i = 0; i < m; ++i)
        J[i + j * m] =
            refractory && spec.clamped[i] ? 0.0 : cells.state(spec.numStates + i + j * m);
  }

  // Takes neuron i's values at the start of the step; true when the solver must restart there.
  bool load(const NjGroupArgs& a, std::uint64_t i) {
    bool jump = nextStep != a.step;
    const bool nowRefractory = a.refractory_until != nullptr && a.step < a.refractory_until[i];
    jump = jump || nowRefractory != refractory;
    refractory = nowRefractory;
    params = a.params;
    for (std::size_t k = 0; k < spec.numInputs; ++k) {
      const double v = a.inputs[k][i];
      jump = jump || v != lastInputs[k];
      cells.input(k) = lastInputs[k] = v;
    }
    const std::span<const double> solved = session->y();
    for (std::size_t k = 0; k < spec.numStates; ++k) {
      const double v = a.state[k][i];
      jump = jump || v != held[k];
      cells.state(k) = held[k] = v;
    }
    // A state the step held (refractory, clamped) is not the solver's: its interpolant may
    // give it back a rounding away (ARKODE's Hermite basis does not sum to one exactly).
    for (std::size_t k = 0; k < m; ++k)
      jump = jump || (held[spec.unknowns[k]] != solved[k] && !(refractory && spec.clamped[k]));
    return jump;
  }
};

GroupSolver::GroupSolver(GroupSolverSpec spec) : spec_(std::move(spec)) {
  neurons_.resize(spec_.size);
  for (std::size_t k = 0; k < spec_.unknowns.size(); ++k)
    solved_.emplace_back(abi::alignedDoubles(spec_.size).release(), abi::FreeAligned{});
}

GroupSolver::~GroupSolver() = default;

void GroupSolver::operator()(const NjGroupArgs& a) {
  if (a.state == nullptr)
    throw nj::Error(
        fmt::format("group `{}`: method cvode integrates float64 states only", spec_.group));
  const double t0 = static_cast<double>(a.step) * a.dt;
  const double t1 = static_cast<double>(a.step + 1) * a.dt;
  const std::size_t m = spec_.unknowns.size();
  std::vector<double> y(m);
  for (std::uint64_t i = a.begin; i < a.end; ++i) {
    if (!neurons_[i]) neurons_[i] = std::make_unique<Neuron>(spec_);
    Neuron& n = *neurons_[i];
    if (n.load(a, i)) {
      ++n.restarts;
      for (std::size_t k = 0; k < m; ++k)
        y[k] = n.held[spec_.unknowns[k]];
      if (std::string failed = n.session->start(t0, y); !failed.empty())
        throw nj::Error(fmt::format("group `{}`, neuron {}: {}", spec_.group, i, failed));
    }
    // Past t1 if the solver likes: a jump there (a spike delivered, an input changed) restarts it
    // at t1 from the value its interpolant gave, so steps beyond t1 cost nothing wrong.
    const Advance to = n.session->advance(t1, /*stopThere=*/false);
    if (!to.ok)
      throw nj::Error(fmt::format("group `{}`, neuron {}: {}", spec_.group, i, to.message));
    const std::span<const double> solved = n.session->y();
    for (std::size_t k = 0; k < m; ++k)
      solved_[k].get()[i] = solved[k];
    n.nextStep = a.step + 1;
  }
  // The group's step, with the solver's values as the states after its own.
  std::vector<double*> states(a.state, a.state + spec_.numStates);
  for (auto& column : solved_)
    states.push_back(column.get());
  NjGroupArgs b = a;
  b.state = states.data();
  spec_.step(b);
  for (std::uint64_t i = a.begin; i < a.end; ++i)
    for (std::size_t k = 0; k < spec_.numStates; ++k)
      neurons_[i]->held[k] = a.state[k][i];
}

GroupStats GroupSolver::stats() const {
  GroupStats total;
  for (const auto& n : neurons_) {
    if (!n) continue;
    const Stats s = n->session->stats();
    Stats& t = total.solver;
    if (s.steps > 0) {
      t.smallestStep = t.steps == 0 ? s.smallestStep : std::min(t.smallestStep, s.smallestStep);
      t.largestStep = std::max(t.largestStep, s.largestStep);
      t.stepSum += s.stepSum;
    }
    t.steps += s.steps;
    t.rhsEvaluations += s.rhsEvaluations;
    t.jacobianEvaluations += s.jacobianEvaluations;
    t.errorTestFailures += s.errorTestFailures;
    t.newtonFailures += s.newtonFailures;
    total.restarts += n->restarts;
  }
  return total;
}

abi::KernelStatistics GroupSolverKernel::statistics() const {
  using Across = abi::KernelStatistic::Across;
  const GroupStats s = solver_->stats();
  auto number = [](long x) { return static_cast<double>(x); };
  const double none = std::numeric_limits<double>::quiet_NaN();
  const bool stepped = s.solver.steps > 0;
  abi::KernelStatistics out = {
      {"steps", number(s.solver.steps), Across::Sum},
      {"rhs_evaluations", number(s.solver.rhsEvaluations), Across::Sum},
      {"error_test_failures", number(s.solver.errorTestFailures), Across::Sum},
      {"restarts", number(s.restarts), Across::Sum},
      {"stepped_time", s.solver.stepSum, Across::Sum},
      {"smallest_step", stepped ? s.solver.smallestStep : none, Across::Min},
      {"largest_step", stepped ? s.solver.largestStep : none, Across::Max}};
  if (solver_->integrator().kind == Integrator::Kind::Bdf) {
    out.push_back({"jacobian_evaluations", number(s.solver.jacobianEvaluations), Across::Sum});
    out.push_back({"newton_failures", number(s.solver.newtonFailures), Across::Sum});
  }
  return out;
}

} // namespace nj::sundials
