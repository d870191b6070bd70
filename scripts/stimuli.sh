# The stimulus network of every model of stdlib_models/, shared by scripts/catalogue.sh (the
# plots of docs/models.md) and scripts/accuracy_table.sh (the accuracy column of
# docs/numerics.md). Sourced, not run.
#
# models: "title|file|model|network body (group `n`; monitors; run)|variables to plot"
# stimulus_network ENTRY NAME FILE: writes network NAME of ENTRY's body to FILE.

# The spike source of the synapse plots: one spike at 1 ms.
kick='neuron Kick { parameters { T = 1 ms } state { x = 0 } dx/dt = 1 / T  spike x >= 1  reset { x = -1000 } }'

# name | file | model | stimulus network body (group `n`; monitors) | variables to plot
models=(
"Hodgkin–Huxley|neurons/hodgkin_huxley.nj|HodgkinHuxley|n = HodgkinHuxley(1)
  input n.I = 10 uA/cm^2 if t > 20 ms else 0 uA/cm^2
  monitor V, n of n
  run 150 ms with dt = 0.01 ms, method = rk4|V n"
"Leaky integrate-and-fire|neurons/lif.nj|LIF|n = LIF(1)
  input n.I = 0.15 nA if t > 20 ms else 0 nA
  monitor V of n
  run 200 ms with dt = 0.1 ms|V"
"Quadratic integrate-and-fire|neurons/qif.nj|QIF|n = QIF(1)
  input n.I = 6 nA if t > 20 ms else 0 nA
  monitor V of n
  run 200 ms with dt = 0.01 ms, method = rk4|V"
"Exponential integrate-and-fire|neurons/exp_if.nj|ExpIF|n = ExpIF(1)
  input n.I = 0.5 uA/cm^2 if t > 20 ms else 0 uA/cm^2
  monitor V of n
  run 200 ms with dt = 0.01 ms, method = euler|V"
"Adaptive exponential IF (AdEx)|neurons/adex_if.nj|AdExIF|n = AdExIF(1, C = 200 pF, g_L = 10 nS, E_L = -58 mV, V_T = -50 mV, a = 2 nS, tau_w = 120 ms, b = 100 pA, V_reset = -46 mV, V_peak = 0 mV)
  input n.I = 0.21 nA if t > 20 ms else 0 nA
  monitor V, w of n
  run 600 ms with dt = 0.005 ms, method = euler|V w"
"Izhikevich (2003)|neurons/izhikevich.nj|Izhikevich|n = Izhikevich(1, c = -50 mV, d = 2 mV)
  input n.I = 10 mV if t > 20 ms else 0 mV
  monitor v, u of n
  run 300 ms with dt = 0.01 ms, method = rk4|v u"
"Resonate-and-fire|neurons/resonate_and_fire.nj|ResonateAndFire|n = ResonateAndFire(1)
  input n.I = 50 if t > 0.9995 and t < 1.0095 else 0
  monitor x, y of n
  run 6 with dt = 0.001, method = rk4|y x"
"Hindmarsh–Rose|neurons/hindmarsh_rose.nj|HindmarshRose|n = HindmarshRose(1)
  input n.I = 2
  monitor x, z of n every 0.5
  run 3000 with dt = 0.01, method = rk4|x z"
"Generalized integrate-and-fire (Mihalas–Niebur)|neurons/gif.nj|GeneralizedIF|n = GeneralizedIF(1, a = 0.005 / ms)
  input n.I = 2 nA if t > 20 ms else 0 nA
  monitor V, V_th of n
  run 500 ms with dt = 0.01 ms|V V_th"
"FitzHugh–Nagumo|neurons/fitzhugh_nagumo.nj|FitzHughNagumo|n = FitzHughNagumo(1)
  input n.I = 0.5
  monitor v, w of n
  run 300 with dt = 0.02, method = rk4|v w"
"Morris–Lecar|neurons/morris_lecar.nj|MorrisLecar|n = MorrisLecar(1)
  input n.I = 100 uA/cm^2
  monitor V, w of n
  run 500 ms with dt = 0.05 ms, method = rk4|V w"
"Wang–Buzsáki|neurons/wang_buzsaki.nj|WangBuzsaki|n = WangBuzsaki(1)
  input n.I = 1 uA/cm^2 if t > 20 ms else 0 uA/cm^2
  monitor V of n
  run 150 ms with dt = 0.01 ms, method = rk4|V"
"Traub–Miles (COBAHH neuron)|neurons/traub_miles.nj|TraubMiles|n = TraubMiles(1)
  input n.I = 0.1 nA if t > 20 ms else 0 nA
  monitor V, n of n
  run 200 ms with dt = 0.01 ms|V n"
"Firing-rate unit|rate/firing_rate_unit.nj|FiringRateUnit|n = FiringRateUnit(1)
  input n.I = 0.5 nA if t > 20 ms else 0.2 nA
  monitor r of n
  run 100 ms with dt = 0.1 ms|r"
"Wilson–Cowan|rate/wilson_cowan.nj|WilsonCowan|n = WilsonCowan(1)
  monitor E, I of n
  run 300 ms with dt = 0.05 ms, method = rk4|E I"
"Exponential current synapse|synapses/exp_current.nj|ExpCurrent|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n ExpCurrent(w = 0.1 nA) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"Exponential conductance synapse|synapses/exp_conductance.nj|ExpCond|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n ExpCond(w = 2 nS) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"Alpha conductance synapse|synapses/alpha.nj|AlphaCond|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n AlphaCond(w = 2 nS) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"Dual-exponential conductance synapse|synapses/dual_exp.nj|DualExpCond|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n DualExpCond(w = 2 nS) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"Delta (voltage-jump) synapse|synapses/delta.nj|Delta|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n Delta(w = 1 mV) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"AMPA receptor (kinetic)|synapses/ampa.nj|AMPA|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n AMPA(g_max = 2 nS) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"GABA_A receptor (kinetic)|synapses/gaba_a.nj|GABAa|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n GABAa(g_max = 2 nS) with all_to_all
  monitor V of n
  run 60 ms with dt = 0.01 ms, method = rk4|V"
"NMDA receptor (Wang 2002 gating, Jahr–Stevens Mg block)|synapses/nmda.nj|NMDA|k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n NMDA(g_max = 2 nS) with all_to_all
  monitor V of n
  run 300 ms with dt = 0.01 ms, method = rk4|V"
"GABA_B receptor (G-protein cascade, slow IPSP after a burst)|synapses/gaba_b.nj|GABAb|p = LIF(1)
  input p.I = 0.3 nA if t > 10 ms and t < 110 ms else 0 nA
  n = LIF(1, V_th = 0 mV)
  connect p -> n GABAb(g_max = 1 uS) with all_to_all
  monitor V of n
  run 600 ms with dt = 0.05 ms, method = rk4|V"
"Rate coupling|synapses/rate_coupling.nj|RateCoupling|p = FiringRateUnit(1)
  input p.I = 0.6 nA if t > 20 ms else 0.3 nA
  n = FiringRateUnit(1)
  connect p -> n RateCoupling(w = 0.01 nA/Hz) with all_to_all
  monitor r of n
  run 150 ms with dt = 0.1 ms|r"
"Tsodyks–Markram short-term plasticity|plasticity/tsodyks_markram.nj|TsodyksMarkram|p = LIF(1)
  input p.I = 0.2 nA
  n = LIF(1, V_th = 0 mV)
  connect p -> n TsodyksMarkram(w = 2 nS) with all_to_all
  monitor V of n
  run 600 ms with dt = 0.05 ms|V"
"Pair-based STDP (Song, Miller & Abbott 2000)|plasticity/stdp.nj|STDP|p = LIF(1)
  input p.I = 0.2 nA
  n = LIF(1)
  input n.I = 0.09 nA
  connect p -> n STDP(g_leak = 500 nS) with all_to_all
  monitor V of n
  run 600 ms with dt = 0.05 ms|V"
"Gap junction|synapses/gap_junction.nj|GapJunction|p = LIF(1)
  input p.I = 0.2 nA
  n = LIF(1, V_th = 0 mV)
  connect p -> n GapJunction(g_gap = 5 nS) with all_to_all
  monitor V of n
  run 200 ms with dt = 0.05 ms|V"
)

# Phase portraits drawn beside a model's plots (`neurojit plot --phase`): model -> variables.
declare -A portraits=([ResonateAndFire]="x,y")

stimulus_network() {
  local entry="$1" name="$2" net="$3" title file model body vars
  IFS='|' read -r -d '' title file model body vars <<<"$entry" || true
  {
    echo "import \"$file\""
    case "$file" in
      synapses/rate_coupling.nj) echo 'import "rate/firing_rate_unit.nj"' ;;
      synapses/* | plasticity/*) echo 'import "neurons/lif.nj"'; echo "$kick" ;;
    esac
    echo "network $name {"
    echo "  $body"
    echo "}"
  } >"$net"
}
