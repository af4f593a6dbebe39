"""Generator physiology: rhythm regularity, rates, P waves, f-waves, noise, determinism."""
from __future__ import annotations

import numpy as np
import pytest

from ecg_synth import AF, FS_HZ, N_SAMPLES, NORMAL, Record, Subject, make_subject, synth_record

N_SUBJECTS = 30


@pytest.fixture(scope="module")
def cohort() -> list[tuple[Subject, Record, Record]]:
    """(subject, sinus record, AF record) for 30 subjects."""
    rng = np.random.default_rng(123)
    out = []
    for i in range(N_SUBJECTS):
        subject = make_subject(i, rng)
        out.append((subject, synth_record(subject, NORMAL, rng), synth_record(subject, AF, rng)))
    return out


def rr_cv(record: Record) -> float:
    rr = np.diff(record.beat_times)
    return float(rr.std() / rr.mean())


def test_rr_variability_small_in_sinus_large_in_af(cohort) -> None:
    normal_cv = np.array([rr_cv(n) for _, n, _ in cohort])
    af_cv = np.array([rr_cv(a) for _, _, a in cohort])
    assert normal_cv.max() < 0.06, "sinus rhythm RR CV should be a few per cent"
    assert af_cv.min() > 0.08 and np.median(af_cv) > 0.15, "AF must be irregularly irregular"


def test_heart_rates_in_physiological_ranges(cohort) -> None:
    hr_normal = [60 / np.diff(n.beat_times).mean() for _, n, _ in cohort]
    hr_af = [60 / np.diff(a.beat_times).mean() for _, _, a in cohort]
    assert 45 <= min(hr_normal) and max(hr_normal) <= 115
    assert 50 <= min(hr_af) and max(hr_af) <= 170
    for _, n, a in cohort:  # at least 7 beats in 10 s, R peaks inside the window
        assert len(n.beat_times) >= 7 and len(a.beat_times) >= 7
        assert n.beat_times.min() >= 0 and a.beat_times.max() < 10


def test_p_wave_before_every_qrs_in_sinus_only(cohort) -> None:
    for subject, normal, af in cohort:
        assert af.p_wave_times.size == 0
        gaps = normal.beat_times[:, None] - normal.p_wave_times[None, :]
        lead = np.where((gaps > 0.1) & (gaps < 0.25), 1, 0).sum(axis=1)
        assert (lead[normal.beat_times > 0.3] == 1).all(), "one P wave 0.1-0.25 s before each QRS"
        p_amp, p_offset = subject.amplitudes[0], subject.offsets[0]
        at_p = lambda r: np.median(r.clean_ecg[np.round((r.beat_times[1:] + p_offset) * FS_HZ).astype(int)])
        assert at_p(normal) > 0.6 * p_amp
        assert abs(at_p(af)) < 0.4 * p_amp


def test_af_fibrillatory_waves_4_to_9_hz(cohort) -> None:
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / FS_HZ)
    band = (freqs >= 3.5) & (freqs <= 9.5)
    for _, normal, af in cohort:
        assert not normal.fwaves.any()
        power = np.abs(np.fft.rfft(af.fwaves)) ** 2
        assert 4.0 <= freqs[power.argmax()] <= 9.0
        assert power[band].sum() / power.sum() > 0.8
        assert 0.02 <= af.fwaves.std() * np.sqrt(2) <= 0.35  # ~0.03-0.2 mV amplitude with modulation


def test_af_signal_has_more_4_to_9_hz_energy_than_sinus(cohort) -> None:
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / FS_HZ)
    band = (freqs >= 4) & (freqs <= 9)

    def ratio(x: np.ndarray) -> float:
        p = np.abs(np.fft.rfft(x - x.mean())) ** 2
        return float(p[band].sum() / p[freqs > 0.5].sum())

    assert np.mean([ratio(a.signal) for _, _, a in cohort]) > np.mean([ratio(n.signal) for _, n, _ in cohort])


def test_signal_quantized_float64_in_range(cohort) -> None:
    for _, normal, af in cohort:
        for r in (normal, af):
            assert r.signal.dtype == np.float64 and r.signal.shape == (N_SAMPLES,)
            assert np.isfinite(r.signal).all() and np.abs(r.signal).max() < 10
            np.testing.assert_array_equal(np.round(r.signal, 3), r.signal)


def test_noise_baseline_wander_and_emg_present(cohort) -> None:
    freqs = np.fft.rfftfreq(N_SAMPLES, 1 / FS_HZ)
    for _, normal, _ in cohort:
        residual = normal.signal - normal.signal.mean()
        p = np.abs(np.fft.rfft(residual)) ** 2
        assert p[freqs > 100].sum() > 0, "EMG noise should reach high frequencies"
        assert p[(freqs > 0) & (freqs <= 0.5)].sum() > 0, "baseline wander expected"


def test_morphology_varies_between_subjects() -> None:
    rng = np.random.default_rng(5)
    subjects = [make_subject(i, rng) for i in range(300)]
    r_amps = np.array([s.amplitudes[2] for s in subjects])
    t_amps = np.array([s.amplitudes[4] for s in subjects])
    assert (r_amps < 0.5).any() and (r_amps > 1.0).any(), "QRS polarity/amplitude variants"
    assert (t_amps < 0).any() and (t_amps > 0).any(), "some inverted T waves"
    assert len({s.widths for s in subjects}) == len(subjects)


def test_generator_deterministic_for_fixed_seed() -> None:
    def draw(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        s = make_subject(0, rng)
        return np.concatenate([synth_record(s, NORMAL, rng).signal, synth_record(s, AF, rng).signal])

    np.testing.assert_array_equal(draw(42), draw(42))
    assert not np.array_equal(draw(42), draw(43))


def test_invalid_label_rejected() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError):
        synth_record(make_subject(0, rng), 2, rng)
