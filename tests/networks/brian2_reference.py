# How the reference rates of tests/networks/brette_benchmarks_test.cpp were measured (not run by
# ctest): Brian 2 (Debian's python3-brian 2.5.1), 4000 neurons, dt = 0.1 ms, 1 s, seeds 1-3.
#   /usr/bin/python3 tests/networks/brian2_reference.py cuba coba_kick cobahh [coba]
# cuba and cobahh follow Brian 2's published CUBA and COBAHH examples; coba_kick is benchmark 1
# (Vogels & Abbott 2005 parameters) started as examples/networks/coba.nj starts it; coba starts
# it from random conductances instead (as Brian 2's COBAHH example does).
import sys
from brian2 import *
prefs.codegen.target = 'numpy'

def stats(sm, n, T):
    trains = sm.spike_trains()
    rate = sm.num_spikes / n / T
    cvs = []
    for i in range(n):
        t = trains[i] / second
        if len(t) >= 3:
            isi = np.diff(t)
            cvs.append(isi.std(ddof=1) / isi.mean())
    return rate, float(np.mean(cvs)) if cvs else float('nan')

def cuba(seed_):
    start_scope(); seed(seed_)
    taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -49*mV
    eqs = '''dv/dt  = (ge+gi-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : volt
    dgi/dt = -gi/taui : volt'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exact')
    P.v = 'Vr + rand() * (Vt - Vr)'; P.ge = 0*mV; P.gi = 0*mV
    we = (60*0.27/10)*mV; wi = (-20*4.5/10)*mV
    Ce = Synapses(P, P, on_pre='ge += we'); Ci = Synapses(P, P, on_pre='gi += wi')
    Ce.connect('i<3200', p=0.02); Ci.connect('i>=3200', p=0.02)
    sm = SpikeMonitor(P[:3200]); run(1*second)
    return stats(sm, 3200, 1.0)

def coba(seed_):
    start_scope(); seed(seed_)
    taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -60*mV
    Ee = 0*mV; Ei = -80*mV
    eqs = '''dv/dt = (ge*(Ee-v)+gi*(Ei-v)-(v-El))/taum : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exponential_euler')
    P.v = '(randn() * 5 - 55) * mV'; P.ge = 'randn() * 1.5 + 4'; P.gi = 'randn() * 12 + 20'
    Ce = Synapses(P, P, on_pre='ge += 0.6'); Ci = Synapses(P, P, on_pre='gi += 6.7')
    Ce.connect('i<3200', p=0.02); Ci.connect('i>=3200', p=0.02)
    sm = SpikeMonitor(P[:3200]); run(1*second)
    return stats(sm, 3200, 1.0)

def cobahh(seed_):
    start_scope(); seed(seed_)
    area = 20000*umetre**2; Cm = (1*ufarad*cm**-2) * area; gl = (5e-5*siemens*cm**-2) * area
    El = -60*mV; EK = -90*mV; ENa = 50*mV
    g_na = (100*msiemens*cm**-2) * area; g_kd = (30*msiemens*cm**-2) * area; VT = -63*mV
    taue = 5*ms; taui = 10*ms; Ee = 0*mV; Ei = -80*mV; we = 6*nS; wi = 67*nS
    eqs = Equations('''
    dv/dt = (gl*(El-v)+ge*(Ee-v)+gi*(Ei-v)-g_na*(m*m*m)*h*(v-ENa)-g_kd*(n*n*n*n)*(v-EK))/Cm : volt
    dm/dt = alpha_m*(1-m)-beta_m*m : 1
    dn/dt = alpha_n*(1-n)-beta_n*n : 1
    dh/dt = alpha_h*(1-h)-beta_h*h : 1
    dge/dt = -ge*(1./taue) : siemens
    dgi/dt = -gi*(1./taui) : siemens
    alpha_m = 0.32*(mV**-1)*4*mV/exprel((13*mV-v+VT)/(4*mV))/ms : Hz
    beta_m = 0.28*(mV**-1)*5*mV/exprel((v-VT-40*mV)/(5*mV))/ms : Hz
    alpha_h = 0.128*exp((17*mV-v+VT)/(18*mV))/ms : Hz
    beta_h = 4./(1+exp((40*mV-v+VT)/(5*mV)))/ms : Hz
    alpha_n = 0.032*(mV**-1)*5*mV/exprel((15*mV-v+VT)/(5*mV))/ms : Hz
    beta_n = .5*exp((10*mV-v+VT)/(40*mV))/ms : Hz''')
    P = NeuronGroup(4000, model=eqs, threshold='v>-20*mV', refractory=3*ms, method='exponential_euler')
    Pe = P[:3200]; Pi = P[3200:]
    Ce = Synapses(Pe, P, on_pre='ge+=we'); Ci = Synapses(Pi, P, on_pre='gi+=wi')
    Ce.connect(p=0.02); Ci.connect(p=0.02)
    P.v = 'El + (randn() * 5 - 5)*mV'; P.ge = '(randn() * 1.5 + 4) * 10.*nS'; P.gi = '(randn() * 12 + 20) * 10.*nS'
    sm = SpikeMonitor(Pe); run(1*second)
    return stats(sm, 3200, 1.0)

def coba_kick(seed_):
    start_scope(); seed(seed_)
    taum = 20*ms; taue = 5*ms; taui = 10*ms; Vt = -50*mV; Vr = -60*mV; El = -60*mV
    Ee = 0*mV; Ei = -80*mV
    eqs = '''dv/dt = (ge*(Ee-v)+gi*(Ei-v)-(v-El)+15*mV*int(t<50*ms))/taum : volt (unless refractory)
    dge/dt = -ge/taue : 1
    dgi/dt = -gi/taui : 1'''
    P = NeuronGroup(4000, eqs, threshold='v>Vt', reset='v = Vr', refractory=5*ms, method='exponential_euler')
    P.v = 'Vr + rand() * (Vt - Vr)'
    Ce = Synapses(P, P, on_pre='ge += 0.6'); Ci = Synapses(P, P, on_pre='gi += 6.7')
    Ce.connect('i<3200', p=0.02); Ci.connect('i>=3200', p=0.02)
    sm = SpikeMonitor(P[:3200]); run(1*second)
    return stats(sm, 3200, 1.0)
for name in sys.argv[1:]:
    for s in (1, 2, 3):
        r, cv = globals()[name](s)
        print(f"{name} seed {s}: E rate {r:.2f} Hz, mean ISI CV {cv:.2f}", flush=True)
