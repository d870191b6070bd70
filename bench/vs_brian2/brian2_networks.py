"""The Brian2 side of bench/vs_brian2: the four networks of the speed table, defined with the
same parameters, initial values and monitors as the NeuroJIT files beside this one.

Each builder returns (objects, groups): the Brian2 objects of one Network (its spike monitor named
nj_spikes) and, per population name, the index range of its neurons (for the spike counts). Written for Brian 2.5 (Debian
bookworm's python3-brian).
"""
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, Equations, ms, mV, nS, pA, pF, nA,
                    uF, cm, msiemens, umetre, Mohm, uA)


def _ei_synapses(P, n_exc, on_pre_e, on_pre_i, p, namespace):
    """E -> all and I -> all with connection probability p, as `connect E -> E, I ... with p`."""
    Ce = Synapses(P[:n_exc], P, on_pre=on_pre_e, namespace=namespace)
    Ci = Synapses(P[n_exc:], P, on_pre=on_pre_i, namespace=namespace)
    Ce.connect(p=p)
    Ci.connect(p=p)
    return [Ce, Ci]


def _brette_lif(eqs, ns, v_init, on_pre_e, on_pre_i, method):
    """3200 E + 800 I LIF neurons (threshold Vt, reset Vr, 5 ms refractory), E -> all and
    I -> all with p = 0.02, every spike recorded."""
    P = NeuronGroup(4000, eqs, threshold='v >= Vt', reset='v = Vr', refractory=5 * ms,
                    method=method, namespace=ns)
    P.v = v_init
    syn = _ei_synapses(P, 3200, on_pre_e, on_pre_i, 0.02, ns)
    return [P, *syn, SpikeMonitor(P, name='nj_spikes')], {'E': (0, 3200), 'I': (3200, 4000)}


def coba(method):
    """Brette et al. 2007 benchmark 1, 'driven': LIF (C 200 pF, g_L 10 nS, E_L -60 mV,
    threshold -50 mV, reset -60 mV, 5 ms refractory) with a constant 0.2 nA drive (20 mV through
    R = 100 Mohm), V ~ N(-55 mV, 5 mV), conductances from 0; E 6 nS / 5 ms / 0 mV,
    I 67 nS / 10 ms / -80 mV; p = 0.02; 3200 E + 800 I."""
    ns = dict(C=200 * pF, gL=10 * nS, EL=-60 * mV, Vt=-50 * mV, Vr=-60 * mV, Ee=0 * mV,
              Ei=-80 * mV, taue=5 * ms, taui=10 * ms, we=6 * nS, wi=67 * nS, I=0.2 * nA)
    eqs = '''
    dv/dt = (gL*(EL - v) + ge*(Ee - v) + gi*(Ei - v) + I)/C : volt (unless refractory)
    dge/dt = -ge/taue : siemens
    dgi/dt = -gi/taui : siemens
    '''
    return _brette_lif(eqs, ns, '-55*mV + 5*mV*randn()', 'ge += we', 'gi += wi', method)


def cuba(method):
    """Brette et al. 2007 benchmark 2: LIF (tau 20 ms, rest -49 mV, threshold -50 mV, reset
    -60 mV, 5 ms refractory), V ~ U(-60, -50) mV; exponential currents E 16.2 pA / 5 ms,
    I -90 pA / 10 ms through R = 100 Mohm; p = 0.02; 3200 E + 800 I."""
    ns = dict(tau=20 * ms, Vrest=-49 * mV, Vt=-50 * mV, Vr=-60 * mV, R=100 * Mohm,
              taue=5 * ms, taui=10 * ms, we=16.2 * pA, wi=-90 * pA)
    eqs = '''
    dv/dt = (Vrest - v + R*(ie + ii))/tau : volt (unless refractory)
    die/dt = -ie/taue : amp
    dii/dt = -ii/taui : amp
    '''
    return _brette_lif(eqs, ns, '-60*mV + 10*mV*rand()', 'ie += we', 'ii += wi', method)


def cobahh(method):
    """Brette et al. 2007 benchmark 3: Traub-Miles HH on 20000 um^2, V_T = -63 mV, spikes at
    -20 mV (3 ms refractory for detection only); V ~ N(-65, 5) mV, g_E ~ N(40, 15) nS,
    g_I ~ N(200, 120) nS, gates at their steady state of V; E 6 nS / 5 ms / 0 mV,
    I 67 nS / 10 ms / -80 mV; p = 0.02; 3200 E + 800 I."""
    area = 20000 * umetre ** 2
    ns = dict(C=1 * uF / cm ** 2 * area, gL=0.05 * msiemens / cm ** 2 * area,
              gNa=100 * msiemens / cm ** 2 * area, gK=30 * msiemens / cm ** 2 * area,
              EL=-60 * mV, ENa=50 * mV, EK=-90 * mV, VT=-63 * mV, Ee=0 * mV, Ei=-80 * mV,
              taue=5 * ms, taui=10 * ms, we=6 * nS, wi=67 * nS)
    eqs = Equations('''
    dv/dt = (gL*(EL - v) - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK)
             + ge*(Ee - v) + gi*(Ei - v))/C : volt
    dm/dt = am*(1 - m) - bm*m : 1
    dh/dt = ah*(1 - h) - bh*h : 1
    dn/dt = an*(1 - n) - bn*n : 1
    dge/dt = -ge/taue : siemens
    dgi/dt = -gi/taui : siemens
    am = 0.32/mV*(13*mV - v + VT)/(exp((13*mV - v + VT)/(4*mV)) - 1)/ms : Hz
    bm = 0.28/mV*(v - VT - 40*mV)/(exp((v - VT - 40*mV)/(5*mV)) - 1)/ms : Hz
    ah = 0.128*exp((17*mV - v + VT)/(18*mV))/ms : Hz
    bh = 4/(1 + exp((40*mV - v + VT)/(5*mV)))/ms : Hz
    an = 0.032/mV*(15*mV - v + VT)/(exp((15*mV - v + VT)/(5*mV)) - 1)/ms : Hz
    bn = 0.5*exp((10*mV - v + VT)/(40*mV))/ms : Hz
    ''')
    P = NeuronGroup(4000, eqs, threshold='v >= -20*mV', refractory=3 * ms, method=method,
                    namespace=ns)
    P.v = '-65*mV + 5*mV*randn()'
    P.ge = '40*nS + 15*nS*randn()'
    P.gi = '200*nS + 120*nS*randn()'
    # the gates' steady state at the initial V, as the NeuroJIT model's state block
    P.m = 'am/(am + bm)'
    P.h = 'ah/(ah + bh)'
    P.n = 'an/(an + bn)'
    syn = _ei_synapses(P, 3200, 'ge += we', 'gi += wi', 0.02, ns)
    return [P, *syn, SpikeMonitor(P, name='nj_spikes')], {'E': (0, 3200), 'I': (3200, 4000)}


def hh10k(method):
    """10000 uncoupled squid-axon HH neurons (Brian2's literal formulas, 1 - exp(...) in alpha_m
    and alpha_n), 10 uA/cm^2 constant drive, V ~ U(-70, -60) mV, gates at their steady state of
    -65 mV; spikes counted (threshold and refractoriness v > -20 mV)."""
    ns = dict(C=1 * uF / cm ** 2, gNa=120 * msiemens / cm ** 2, gK=36 * msiemens / cm ** 2,
              gL=0.3 * msiemens / cm ** 2, ENa=50 * mV, EK=-77 * mV, EL=-54.387 * mV,
              I=10 * uA / cm ** 2)
    eqs = '''
    dv/dt = (I - gNa*m**3*h*(v - ENa) - gK*n**4*(v - EK) - gL*(v - EL))/C : volt
    dm/dt = am*(1 - m) - bm*m : 1
    dh/dt = ah*(1 - h) - bh*h : 1
    dn/dt = an*(1 - n) - bn*n : 1
    am = 0.1*(v/mV + 40)/(1 - exp(-(v/mV + 40)/10))/ms : Hz
    bm = 4*exp(-(v/mV + 65)/18)/ms : Hz
    ah = 0.07*exp(-(v/mV + 65)/20)/ms : Hz
    bh = 1/(1 + exp(-(v/mV + 35)/10))/ms : Hz
    an = 0.01*(v/mV + 55)/(1 - exp(-(v/mV + 55)/10))/ms : Hz
    bn = 0.125*exp(-(v/mV + 65)/80)/ms : Hz
    '''
    G = NeuronGroup(10000, eqs, threshold='v > -20*mV', refractory='v > -20*mV', method=method,
                    namespace=ns)
    G.v = -65 * mV  # the gates at their steady state of -65 mV, then V spread
    G.m = 'am/(am + bm)'
    G.h = 'ah/(ah + bh)'
    G.n = 'an/(an + bn)'
    G.v = '-70*mV + 10*mV*rand()'
    return [G, SpikeMonitor(G, record=False, name='nj_spikes')], {'G': (0, 10000)}


NETWORKS = {'COBA': coba, 'CUBA': cuba, 'COBAHH': cobahh, 'HH10k': hh10k}
