"""Synthetic single-lead ECG generator (ECGSYN-style sums of Gaussian waves).

Why synthetic: the project may not download data sets, so the recipe makes its
own, with the physiology that separates the two rhythms written down as rules
(see README): sinus rhythm has regular RR intervals and a P wave before every
QRS; atrial fibrillation has irregularly irregular RR intervals, no P waves and
fibrillatory f-waves. Every record is quantised to 0.001 mV like a real ADC so
the held-out set stays compact when converted to decimal text.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FS_HZ = 500
DURATION_S = 10.0
N_SAMPLES = int(FS_HZ * DURATION_S)
RESOLUTION_MV = 0.001
NORMAL, AF = 0, 1
WAVES = ("P", "Q", "R", "S", "T")


@dataclass(frozen=True)
class Subject:
    """Fixed per-person traits: wave morphology, resting rates and noise level."""

    subject_id: int
    amplitudes: tuple[float, ...]  # mV, one per wave in WAVES
    widths: tuple[float, ...]  # Gaussian sigma in s
    offsets: tuple[float, ...]  # s relative to the R peak at RR = 1 s
    hr_normal_bpm: float
    hr_af_bpm: float
    emg_level_mv: float


@dataclass(frozen=True)
class Record:
    """One 10 s record plus the ground truth the tests check physiology with."""

    signal: np.ndarray  # (N_SAMPLES,) float64, mV, quantised
    label: int
    beat_times: np.ndarray  # R-peak times (s) inside the window
    p_wave_times: np.ndarray  # P-wave centres (s) inside the window; empty for AF
    clean_ecg: np.ndarray  # beats only (no f-waves, no noise, no gain)
    fwaves: np.ndarray  # atrial fibrillatory activity (zeros for sinus rhythm)


def make_subject(subject_id: int, rng: np.random.Generator) -> Subject:
    """Draw a morphology; ~15 % have a mostly negative QRS, ~10 % inverted T."""
    r_amp, s_amp = rng.uniform(0.6, 1.8), -rng.uniform(0.1, 0.5)
    if rng.random() < 0.15:
        r_amp, s_amp = rng.uniform(0.2, 0.5), -rng.uniform(0.8, 1.5)
    t_amp = rng.uniform(0.15, 0.5) * (-1.0 if rng.random() < 0.1 else 1.0)
    amplitudes = (rng.uniform(0.08, 0.25), -rng.uniform(0.0, 0.15), r_amp, s_amp, t_amp)
    widths = (rng.uniform(0.018, 0.030), rng.uniform(0.008, 0.014), rng.uniform(0.008, 0.014),
              rng.uniform(0.008, 0.016), rng.uniform(0.035, 0.060))
    offsets = (-rng.uniform(0.14, 0.20), -rng.uniform(0.025, 0.040), 0.0,
               rng.uniform(0.025, 0.040), rng.uniform(0.22, 0.30))
    return Subject(subject_id, tuple(float(a) for a in amplitudes), tuple(float(w) for w in widths),
                   tuple(float(o) for o in offsets), float(rng.uniform(55, 95)),
                   float(rng.uniform(70, 140)), float(rng.uniform(0.003, 0.03)))


def sinus_rr(subject: Subject, rng: np.random.Generator, t0: float) -> np.ndarray:
    """Regular RR: mean rate 50-110 bpm, respiratory sinus arrhythmia + jitter (CV ~1-4 %)."""
    hr = float(np.clip(subject.hr_normal_bpm + rng.normal(0, 8), 50, 110))
    mean_rr, resp_hz = 60.0 / hr, rng.uniform(0.15, 0.35)
    rsa, jitter, phase = rng.uniform(0.01, 0.04), rng.uniform(0.004, 0.015), rng.uniform(0, 2 * np.pi)
    rr, t = [], t0
    while t < DURATION_S + 1.0:
        rr.append(mean_rr * (1 + rsa * np.sin(2 * np.pi * resp_hz * t + phase) + rng.normal(0, jitter)))
        t += rr[-1]
    return np.asarray(rr)


def af_rr(subject: Subject, rng: np.random.Generator, t0: float) -> np.ndarray:
    """Irregularly irregular RR: independent gamma draws, rate 60-160 bpm, CV 15-35 %."""
    hr = float(np.clip(subject.hr_af_bpm + rng.normal(0, 15), 60, 160))
    mean_rr, cv = 60.0 / hr, rng.uniform(0.15, 0.35)
    shape = 1.0 / cv**2
    n = int((DURATION_S + 1.0 - t0) / 0.25) + 2
    return np.clip(rng.gamma(shape, mean_rr / shape, size=n), 0.25, 2.0)


def fibrillatory_waves(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """f-waves: 4-9 Hz, wandering frequency and amplitude (0.03-0.2 mV), sawtooth-ish."""
    f0, amp = rng.uniform(4.5, 8.5), rng.uniform(0.03, 0.2)
    knots = np.linspace(0, DURATION_S, 11)
    freq = np.clip(f0 + np.interp(t, knots, rng.normal(0, 0.4, knots.size)), 4.0, 9.0)
    env = 1 + 0.3 * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * t + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * np.cumsum(freq) / FS_HZ + rng.uniform(0, 2 * np.pi)
    return amp * env * (np.sin(phase) + 0.3 * np.sin(2 * phase + rng.uniform(0, np.pi)))


def beats(subject: Subject, rr: np.ndarray, t0: float, with_p: bool, t: np.ndarray,
          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum Gaussian P/Q/R/S/T waves per beat; QT and T width scale with sqrt(RR) (Bazett)."""
    r_times = t0 + np.cumsum(rr)
    rr_prev = np.clip(rr, 0.3, 1.6)
    scale = np.sqrt(rr_prev)
    resp = 1 + rng.uniform(0.02, 0.08) * np.sin(2 * np.pi * rng.uniform(0.15, 0.35) * r_times)
    amp = np.asarray(subject.amplitudes)[None, :] * (resp * rng.normal(1, 0.03, rr.size))[:, None]
    offsets = np.tile(np.asarray(subject.offsets), (rr.size, 1))
    widths = np.tile(np.asarray(subject.widths), (rr.size, 1))
    offsets[:, 4] *= scale
    widths[:, 4] *= scale
    if not with_p:
        amp[:, 0] = 0.0
    centres = r_times[:, None] + offsets
    keep = (centres > -0.5) & (centres < DURATION_S + 0.5)
    c, w, a = centres[keep], widths[keep], amp[keep]
    ecg = (a[None, :] * np.exp(-0.5 * ((t[:, None] - c[None, :]) / w[None, :]) ** 2)).sum(axis=1)
    inside = (r_times >= 0) & (r_times < DURATION_S)
    p_times = centres[:, 0][(centres[:, 0] >= 0) & (centres[:, 0] < DURATION_S)] if with_p else np.empty(0)
    return ecg, r_times[inside], p_times


def noise(t: np.ndarray, subject: Subject, rng: np.random.Generator) -> np.ndarray:
    """Baseline wander (0.05-0.5 Hz, <= 0.4 mV), band-limited EMG (20-150 Hz), optional mains."""
    out = np.zeros_like(t)
    k = int(rng.integers(1, 4))
    wander_amp = rng.uniform(0.02, 0.4) * rng.dirichlet(np.ones(k))
    for a in wander_amp:
        out += a * np.sin(2 * np.pi * rng.uniform(0.05, 0.5) * t + rng.uniform(0, 2 * np.pi))
    spec = np.fft.rfft(rng.normal(0, 1, t.size))
    freqs = np.fft.rfftfreq(t.size, 1 / FS_HZ)
    spec[(freqs < 20) | (freqs > 150)] = 0
    emg = np.fft.irfft(spec, n=t.size)
    emg *= subject.emg_level_mv * rng.uniform(0.5, 1.5) / (emg.std() + 1e-12)
    if rng.random() < 0.3:  # a burst of muscle activity
        start = rng.uniform(0, DURATION_S - 1)
        emg *= 1 + 2 * ((t > start) & (t < start + rng.uniform(0.5, 2.0)))
    out += emg
    if rng.random() < 0.25:
        out += rng.uniform(0.01, 0.08) * np.sin(2 * np.pi * rng.choice([50.0, 60.0]) * t
                                                 + rng.uniform(0, 2 * np.pi))
    return out


def synth_record(subject: Subject, label: int, rng: np.random.Generator) -> Record:
    """One record: rhythm for `label`, subject morphology, noise, gain 0.5-2.0, DC, quantised."""
    if label not in (NORMAL, AF):
        raise ValueError(f"label must be 0 or 1, got {label}")
    t = np.arange(N_SAMPLES) / FS_HZ
    t0 = -rng.uniform(0.5, 2.0)  # random phase: first beat lands anywhere
    rr = sinus_rr(subject, rng, t0) if label == NORMAL else af_rr(subject, rng, t0)
    ecg, r_times, p_times = beats(subject, rr, t0, label == NORMAL, t, rng)
    fw = fibrillatory_waves(t, rng) if label == AF else np.zeros_like(t)
    gain, dc = rng.uniform(0.5, 2.0), rng.uniform(-0.3, 0.3)
    raw = gain * (ecg + fw + noise(t, subject, rng)) + dc
    signal = np.round(raw, 3).astype(np.float64)
    return Record(signal, label, r_times, p_times, ecg, fw)
