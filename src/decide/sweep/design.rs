//! Sample designs, deterministic for a seed and independent of threads and shards: every
//! random number is drawn from a SplitMix64 stream keyed by (seed, purpose, index), so sample
//! i's values depend only on the seed, i and the spec.

use super::spec::{Design, SweepSpec};

/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, well-mixed 64-bit generator; one stream
/// per key.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream keyed by (seed, purpose, index).
    pub fn keyed(seed: u64, purpose: u64, index: u64) -> Self {
        let mut s = SplitMix64(seed ^ 0x5151_7e3a_9d2c_0b13);
        let a = s.next_u64() ^ purpose.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut s = SplitMix64(a);
        let b = s.next_u64() ^ index.wrapping_mul(0xbf58_476d_1ce4_e5b9);
        SplitMix64(b)
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniform number in (0, 1) (53 bits, never 0 or 1).
    pub fn next_f64(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A uniform integer in 0..n (n ≥ 1), without modulo bias worth noting for n ≪ 2⁶⁴.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }
}

const PERMUTATION: u64 = 1;
const JITTER: u64 = 2;

/// The parameter values of every sample (`values[sample][param]`, in the spec's parameter
/// order).
pub fn sample_values(spec: &SweepSpec) -> Vec<Vec<f64>> {
    let n = spec.n_samples();
    let d = spec.params.len();
    let seed = spec.settings.seed;
    let round = |k: usize, x: f64| if spec.params[k].integer { x.round() } else { x };
    match spec.settings.design {
        Design::Grid => {
            let levels: Vec<Vec<f64>> = spec
                .params
                .iter()
                .map(|p| p.dist.levels(spec.settings.grid_levels))
                .collect();
            (0..n)
                .map(|i| {
                    // Row-major: the last parameter varies fastest.
                    let mut rest = i;
                    let mut v = vec![0.0; d];
                    for k in (0..d).rev() {
                        let l = levels[k].len();
                        v[k] = round(k, levels[k][rest % l]);
                        rest /= l;
                    }
                    v
                })
                .collect()
        }
        Design::Random => (0..n)
            .map(|i| {
                let mut rng = SplitMix64::keyed(seed, JITTER, i as u64);
                (0..d)
                    .map(|k| round(k, spec.params[k].dist.quantile(rng.next_f64())))
                    .collect()
            })
            .collect(),
        Design::LatinHypercube => {
            // Per parameter a random permutation of the strata (Fisher–Yates).
            let perms: Vec<Vec<usize>> = (0..d)
                .map(|k| {
                    let mut rng = SplitMix64::keyed(seed, PERMUTATION, k as u64);
                    let mut p: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        p.swap(i, rng.below(i + 1));
                    }
                    p
                })
                .collect();
            (0..n)
                .map(|i| {
                    let mut rng = SplitMix64::keyed(seed, JITTER, i as u64);
                    (0..d)
                        .map(|k| {
                            let u = (perms[k][i] as f64 + rng.next_f64()) / n as f64;
                            round(k, spec.params[k].dist.quantile(u))
                        })
                        .collect()
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(design: &str, samples: usize) -> SweepSpec {
        SweepSpec::from_str(
            &format!(
                "[sweep]\nsamples = {samples}\nseed = 7\ndesign = \"{design}\"\n[cost]\ncapex_aud_per_mw = {{ dist = \"uniform\", min = 10.0, max = 20.0 }}\nrenewable_share = {{ dist = \"normal\", mean = 0.7, sd = 0.05 }}\n"
            ),
            "t.toml",
        )
        .unwrap()
    }

    #[test]
    fn latin_hypercube_puts_one_sample_in_each_stratum() {
        let s = spec("latin-hypercube", 50);
        let v = sample_values(&s);
        // capex is parameter 0 (paths sorted): uniform on [10, 20] → stratum width 0.2.
        let mut strata: Vec<usize> = v.iter().map(|r| ((r[0] - 10.0) / 0.2) as usize).collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..50).collect::<Vec<_>>());
        assert_eq!(v, sample_values(&s), "deterministic");
    }

    #[test]
    fn inverse_normal_matches_known_quantiles() {
        use super::super::spec::inverse_normal_cdf as q;
        assert!((q(0.975) - 1.959_963_984_540_054).abs() < 1e-8);
        assert!((q(0.5)).abs() < 1e-12);
        assert!((q(0.001) + 3.090_232_306_167_813).abs() < 1e-8);
    }

    #[test]
    fn random_design_has_the_right_moments() {
        let s = spec("random", 4000);
        let v = sample_values(&s);
        let mean: f64 = v.iter().map(|r| r[1]).sum::<f64>() / v.len() as f64;
        let var: f64 = v.iter().map(|r| (r[1] - mean).powi(2)).sum::<f64>() / v.len() as f64;
        assert!((mean - 0.7).abs() < 0.005, "{mean}");
        assert!((var.sqrt() - 0.05).abs() < 0.003, "{}", var.sqrt());
    }
}
