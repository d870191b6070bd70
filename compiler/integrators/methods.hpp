// \file The method registry: every method NeuroJIT knows, by name.
//
// euler, midpoint (alias rk2), heun, rk4, dopri5 (Dormand–Prince at the fixed dt), exp_euler,
// the stiff methods backward_euler, ros2, rosenbrock (ROS3P, alias ros3p), the adaptive rk45
// (Dormand–Prince 5(4) with error control) and cvode (BDF), and euler_maruyama, milstein,
// heun_sde. Adding a method is adding an entry here.
#pragma once

#include "compiler/integrators/method.hpp"

#include <span>
#include <string_view>

namespace nj::integrators {

std::span<const Method> allMethods();

// The method of that name (or alias), or nullptr.
const Method* findMethod(std::string_view name);

} // namespace nj::integrators
