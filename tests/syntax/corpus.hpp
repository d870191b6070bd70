// An inline corpus of model files covering every construct of the grammar.
// Every entry parses and passes semantic checking without errors; the round
// trip and fuzz tests start from these (and from the files in stdlib_models/,
// which are being written in parallel and may still be few).
#pragma once

#include <string>
#include <vector>

namespace nj::test {

struct CorpusEntry {
  const char* name;
  const char* text;
};

inline const std::vector<CorpusEntry>& corpus() {
  static const std::vector<CorpusEntry> entries = {
      {"lif_units", R"NJ(// Leaky integrate-and-fire with units.
neuron LIF {
  parameters {
    V_rest = -65 mV
    V_th : mV = -50 mV
    V_reset = -70 mV
    tau = 10 ms
    R = 10 Mohm
    t_ref = 2 ms
  }
  state {
    V = V_rest
  }
  input I : nA
  dV/dt = (V_rest - V + R * I) / tau unless refractory
  spike V >= V_th
  reset { V = V_reset }
  refractory t_ref
}
)NJ"},
      {"hh_units", R"NJ(/* Hodgkin-Huxley 1952, squid axon,
   in physical units per membrane area. */
function boltz(x) = 1 / (1 + exp(-x))
neuron HH {
  parameters {
    C = 1 uF/cm^2
    g_Na = 120 mS/cm^2; g_K = 36 mS/cm^2; g_L = 0.3 mS/cm^2
    E_Na = 50 mV
    E_K = -77 mV
    E_L = -54.387 mV
    V_th = 20 mV
  }
  state {
    V = -65 mV
    m = 0.05
    h = 0.6
    n = 0.32
  }
  input I : uA/cm^2
  function rate(v, scale) = scale * exprel(-v)
  alpha_m = rate((V + 40 mV) / (10 mV), 1) / ms
  beta_m = 4 / ms * exp(-(V + 65 mV) / (18 mV))
  alpha_h = 0.07 / ms * exp(-(V + 65 mV) / (20 mV))
  beta_h = 1 / ms * boltz((V + 35 mV) / (10 mV))
  alpha_n = 0.1 / ms * exprel(-(V + 55 mV) / (10 mV))
  beta_n = 0.125 / ms * exp(-(V + 65 mV) / (80 mV))
  I_Na = g_Na * m^3 * h * (V - E_Na)
  I_K = g_K * n^4 * (V - E_K)
  I_L = g_L * (V - E_L)
  dV/dt = (I - I_Na - I_K - I_L) / C
  dm/dt = alpha_m * (1 - m) - beta_m * m
  dh / dt = alpha_h * (1 - h) - beta_h * h
  dn/dt = alpha_n * (1 - n) - beta_n * n
  spike V > V_th and not (V < 0 mV)
}
)NJ"},
      {"plain_izhikevich", R"NJ(// Izhikevich 2003, plain numbers (time in ms).
neuron Izhikevich {
  parameters { a = 0.02; b = 0.2; c = -65; d = 8; V_th = 30 }
  state { V = -65; u = 0.2 * -65 }
  input I
  dV/dt = 0.04 * V^2 + 5 * V + 140 - u + I
  du/dt = a * (b * V - u)
  spike V >= V_th
  reset {
    V = c
    u += d
  }
}
)NJ"},
      {"expressions", R"NJ(neuron Expressions {
  parameters {
    a = 2
    b = -a^2
    c = (-a)^2
    d = a^-2
    e = 2^3^2
    f = (2^3)^2
    g = +a - -b
    h = a / (b * c) - (a - b) - c
    k = 1.5e-3
    l = .25
    p = 3.
    q = min(a, max(b, c))
    r = clip(a, 0, 1) + abs(b) + sqrt(4) + pow(2, 3)
    s = log(2) + log10(3) + log1p(1) + expm1(0.5) + exprel(0.1)
    u = sin(1) + cos(1) + tan(1) + tanh(1) + sinh(1) + cosh(1)
    w = floor(1.5) + ceil(1.5) + heaviside(-1)
  }
  state { x = uniform(0, 1); y = normal(0, 1) }
  z = a if x > 0.5 else b if x < 0.25 else c
  cmp = 1 if (x < y) and (y <= x) or x != y and not x >= y or x == y else 0
  dx/dt = -x + z + cmp
  dy/dt = (a if x > 0 else -a) * y + 0.1 * xi
}
)NJ"},
      {"units", R"NJ(neuron Units {
  parameters {
    tau = 10 ms
    g = 120 mS/cm^2
    J = 1 uA/cm^2
    sigma = 1 mV*ms^(1/2)
    noise = 2 mV/ms^(1/2)
    rate = 5 Hz
    k = 1 s^(-1/2)
    conc = 2 mM
    vol = 3 um^3
    len = 4 um
    R = 1 Gohm
    Cm = 200 pF
    E = 0 mV
    kT = 2 mV*ms/ms
  }
  state { V = 0 mV; w = 0 nA }
  x = 10 mV/tau
  y = 10 mV / tau
  z = 10 mV / ms
  area = len^2
  dV/dt = (E - V) / tau + x / 2 + y - z + sigma * xi_V / tau + noise * xi / (tau / ms)^(1/2) * 0
  dw/dt = (V / R - w) / (Cm * R) + k * 0 nA / s^(1/2)
}
)NJ"},
      {"synapses", R"NJ(neuron Target {
  parameters { tau = 10 ms; C = 200 pF }
  state { V = -65 mV }
  input I : nA
  input I_exc : nA
  dV/dt = -(V + 65 mV) / tau + (I + I_exc) / C
  spike V > -50 mV
  reset { V = -65 mV }
}

synapse ExpCond {
  parameters { tau = 5 ms; E = 0 mV; g_max = 1 nS }
  state { g = 0 nS }
  dg/dt = -g / tau
  on_pre { g += g_max }
  current post.I += g * (E - post.V)
}

synapse NMDA {
  parameters { tau_d = 100 ms; tau_r = 2 ms; a = 0.5 / ms; g_max = 0.15 nS; E = 0 mV; Mg = 1 mM }
  state per pre { x = 0; s = 0 }
  state per synapse { w = 1 }
  state per post { trace = 0 }
  B = 1 / (1 + exp(-0.062 * post.V / mV) * Mg / (3.57 mM))
  dx/dt = -x / tau_r
  ds/dt = -s / tau_d + a * x * (1 - s)
  dtrace/dt = -trace / tau_d
  on_pre {
    x += 1
    w *= 0.99
  }
  on_post {
    trace += 1
    w /= 1.01
    w -= 0.001
    post.I_exc += 0.01 nA
  }
  current post.I += g_max * w * s * B * (E - post.V)
}
)NJ"},
      {"network", R"NJ(neuron E_cell {
  parameters { tau = 20 ms; V_th = -50 mV; V_reset = -60 mV }
  state { V = -60 mV }
  input I : nA
  dV/dt = (-(V + 60 mV) + 100 Mohm * I) / tau unless refractory
  spike V >= V_th
  reset { V = V_reset }
  refractory 5 ms
}

synapse Delta {
  parameters { w = 0.5 nA }
  on_pre { post.I += w }
}

network Balanced {
  parameters { N = 400; p_conn = 0.02 }
  E = E_cell(N * 4 / 5, tau = 15 ms) { V = uniform(-60 mV, -50 mV) }
  I = E_cell(N / 5, V_th = -52 mV, V_reset = -62 mV)
  connect E -> E, I Delta(w = 0.1 nA) with p = p_conn, delay = 1.5 ms
  connect I -> E Delta with indegree = 10, no_self
  connect I -> I Delta with all_to_all
  connect E -> E Delta with one_to_one, delay = 0 ms
  connect I -> E Delta with outdegree = 3
  input E.I = 0.2 nA
  input I.I += 0.1 nA
  monitor V, I of E[0:10] every 0.5 ms
  monitor V of I
  monitor spikes(E, I)
  monitor rate(E[0:100]) every 1 ms
  run 200 ms with dt = 0.05 ms, method = rk4, seed = 7
}
)NJ"},
      {"plain_network", R"NJ(neuron Rate {
  parameters { tau = 10 }
  state { r = 0 }
  input I
  dr/dt = (-r + tanh(I)) / tau
}

neuron QIF {
  parameters { a = 0.07; V_rest = -65; V_c = -50; tau = 10; V_th = 30; V_reset = -68 }
  state { V = -65 }
  input I
  dV/dt = (a * (V - V_rest) * (V - V_c) + I) / tau
  spike V >= V_th
  reset { V = V_reset }
  refractory 2
}

network Plain {
  A = Rate(10)
  Q = QIF(20) { V = normal(-65, 2) }
  input A.I = 1.5
  input Q.I = 5
  monitor r of A
  run 100 with dt = 0.01, method = euler
}
)NJ"},
      {"separators", R"NJ(;
function sq(x) = x * x;
neuron Separators { ; parameters { ; a = 1 ; } ; state { ; v = 0 ; } ; dv/dt = -v + sq(a) ; spike v > 1 ; reset { ; v = 0 ; } ; } ;
)NJ"},
  };
  return entries;
}

} // namespace nj::test
