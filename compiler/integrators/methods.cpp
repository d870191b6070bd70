#include "compiler/integrators/methods.hpp"

#include <cmath>
#include <vector>

namespace nj::integrators {

namespace {

Tableau dormandPrince() {
  Tableau t;
  t.c = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
  t.a = {{},
         {1.0 / 5},
         {3.0 / 40, 9.0 / 40},
         {44.0 / 45, -56.0 / 15, 32.0 / 9},
         {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
         {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
         {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
  t.b = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
  t.bHat = {5179.0 / 57600, 0,       7571.0 / 16695, 393.0 / 640, -92097.0 / 339200,
            187.0 / 2100,   1.0 / 40};
  return t;
}

std::vector<Method> makeRegistry() {
  std::vector<Method> m;
  m.push_back({.name = "euler",
               .description = "forward Euler",
               .tableau = {.a = {{}}, .b = {1}, .c = {0}},
               .order = 1});
  m.push_back({.name = "midpoint",
               .description = "explicit midpoint (RK2)",
               .tableau = {.a = {{}, {0.5}}, .b = {0, 1}, .c = {0, 0.5}},
               .order = 2});
  m.push_back({.name = "heun",
               .description = "Heun's method (explicit trapezoid)",
               .tableau = {.a = {{}, {1}}, .b = {0.5, 0.5}, .c = {0, 1}},
               .order = 2});
  m.push_back({.name = "rk4",
               .description = "classical fourth-order Runge-Kutta",
               .tableau = {.a = {{}, {0.5}, {0, 0.5}, {0, 0, 1}},
                           .b = {1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6},
                           .c = {0, 0.5, 0.5, 1}},
               .order = 4});
  // Dormand & Prince, J. Comput. Appl. Math. 6 (1980) 19. dopri5 is its fifth-order step at the
  // fixed dt (bHat serves the reference interpreter's adaptive driver, interp/adaptive.hpp);
  // rk45 is the pair with error control: SUNDIALS ARKODE's ERKStep steps each neuron with this
  // table between the grid points, its steps chosen by the embedded fourth-order estimate.
  m.push_back({.name = "dopri5",
               .description = "Dormand-Prince, its fifth-order step at the fixed dt",
               .tableau = dormandPrince(),
               .order = 5});
  m.push_back({.name = "rk45",
               .description = "Dormand-Prince 5(4) with error control (SUNDIALS ARKODE): "
                              "adaptive steps between grid points, tolerances rtol and atol",
               .kind = MethodKind::Adaptive,
               .tableau = dormandPrince(),
               .order = 5,
               .embeddedOrder = 4});
  m.push_back({.name = "exp_euler",
               .description = "exponential Euler: exact for the linear part A*x + B",
               .kind = MethodKind::ExponentialEuler,
               .order = 1});
  // Stiff methods. ROS2: Verwer, Spee, Blom & Hundsdorfer, SIAM J. Sci. Comput. 20 (1999)
  // 1456, order 2 and L-stable with gamma = 1 + 1/sqrt(2). ROS3P: Lang & Verwer, BIT 41 (2001)
  // 731, order 3 (also for the parabolic problems of cable equations) and A-stable, gamma the
  // root 1/2 + sqrt(3)/6 of gamma^2 - gamma + 1/6 = 0.
  const double ros2 = 1.0 + 1.0 / std::sqrt(2.0);
  const double ros3p = 0.5 + std::sqrt(3.0) / 6.0;
  m.push_back({.name = "backward_euler",
               .description = "linearly implicit (backward) Euler, L-stable, exact Jacobian",
               .kind = MethodKind::Rosenbrock,
               .rosenbrock = {.gamma = 1.0, .alpha = {{}}, .gammaBelow = {{}}, .b = {1.0}},
               .order = 1});
  m.push_back({.name = "ros2",
               .description = "Rosenbrock ROS2 (L-stable, order 2), exact Jacobian",
               .kind = MethodKind::Rosenbrock,
               .rosenbrock = {.gamma = ros2,
                              .alpha = {{}, {1.0}},
                              .gammaBelow = {{}, {-2.0 * ros2}},
                              .b = {0.5, 0.5}},
               .order = 2});
  m.push_back({.name = "rosenbrock",
               .description = "Rosenbrock ROS3P (A-stable, order 3), exact Jacobian",
               .kind = MethodKind::Rosenbrock,
               .rosenbrock = {.gamma = ros3p,
                              .alpha = {{}, {1.0}, {1.0, 0.0}},
                              .gammaBelow = {{}, {-1.0}, {-ros3p, -(0.5 + std::sqrt(3.0) / 3.0)}},
                              .b = {2.0 / 3.0, 0.0, 1.0 / 3.0}},
               .order = 3});
  // SUNDIALS CVODE (Hindmarsh et al., ACM TOMS 31 (2005) 363): BDF of orders 1-5 with Newton
  // iterations on the exact Jacobian, the integrator behind NEURON's CVode.
  m.push_back({.name = "cvode",
               .description = "SUNDIALS CVODE: adaptive BDF (orders 1-5) between grid points, "
                              "exact Jacobian, tolerances rtol and atol",
               .kind = MethodKind::Adaptive,
               .order = 5});
  m.push_back({.name = "euler_maruyama",
               .description = "Euler-Maruyama (Ito)",
               .tableau = {.a = {{}}, .b = {1}, .c = {0}, .aNoise = {{}}, .bNoise = {1}},
               .noise = NoiseSupport::General,
               .order = 1,
               .strongOrder = 0.5});
  m.push_back(
      {.name = "milstein",
       .description = "Milstein (Ito), diagonal noise",
       .tableau = {.a = {{}}, .b = {1}, .c = {0}, .aNoise = {{}}, .bNoise = {1}, .milstein = 1},
       .noise = NoiseSupport::Diagonal,
       .order = 1,
       .strongOrder = 1.0});
  m.push_back({.name = "heun_sde",
               .description = "stochastic Heun (Stratonovich)",
               .tableau = {.a = {{}, {1}},
                           .b = {0.5, 0.5},
                           .c = {0, 1},
                           .aNoise = {{}, {1}},
                           .bNoise = {0.5, 0.5}},
               .noise = NoiseSupport::General,
               .calculus = Calculus::Stratonovich,
               .order = 2,
               .strongOrder = 0.5});
  return m;
}

} // namespace

std::span<const Method> allMethods() {
  static const std::vector<Method> registry = makeRegistry();
  return registry;
}

const Method* findMethod(std::string_view name) {
  if (name == "rk2") name = "midpoint";
  if (name == "ros3p") name = "rosenbrock";
  for (const Method& m : allMethods())
    if (m.name == name) return &m;
  return nullptr;
}

} // namespace nj::integrators
