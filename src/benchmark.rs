//! The capacitated facility location problem (CFLP) of Beasley's OR-Library, solved by the
//! siting core.
//!
//! An instance has m facilities (capacity s_i, fixed cost f_i) and n customers (demand d_j);
//! `cost[i][j]` is the cost of serving ALL of customer j from facility i, and demand may be split.
//! [`Cflp::to_siting`] maps it onto a [`SitingProblem`]: facility → site with `max_mw = s_i`,
//! `min_mw = 0`, `fixed_cost_aud = f_i`, no variable cost; customer → city with
//! `demand_mw = d_j` and no latency limit; `assign_cost[i][j] = cost[i][j] / d_j` per unit, so
//! flows x_ij are in demand units (fraction `x_ij / d_j` of the customer) and the objective is
//! `Σ f_i y_i + Σ cost_ij · (x_ij / d_j)`. The penalty is infinite, so demand must be served in
//! full (no unserved variables). The strong formulation `x_ij ≤ d_j y_i` is part of the core.

use crate::check::{check_reported, CheckReport};
use crate::engine::{solve_with_sink, SolveOptions, SolveProgress, SolveReport, SolveSink};
use crate::error::{Error, Issues, Location, Result};
use crate::model::{CityInput, SiteInput, SitingProblem, Solution};
use crate::scenario::Objective;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// One CFLP instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cflp {
    /// Instance name (file stem).
    pub name: String,
    /// Capacity per facility.
    pub capacities: Vec<f64>,
    /// Fixed cost per facility.
    pub fixed_costs: Vec<f64>,
    /// Demand per customer.
    pub demands: Vec<f64>,
    /// `cost[i][j]`: cost of serving all of customer j from facility i.
    pub cost: Vec<Vec<f64>>,
}

struct Tokens<'a> {
    items: Vec<(&'a str, usize)>,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(text: &'a str) -> Self {
        let items = text
            .lines()
            .enumerate()
            .flat_map(|(n, line)| line.split_whitespace().map(move |t| (t, n + 1)))
            .collect();
        Tokens { items, pos: 0 }
    }

    fn next(&mut self) -> Option<(&'a str, usize)> {
        let t = self.items.get(self.pos).copied();
        self.pos += 1;
        t
    }
}

/// Parses Beasley's cap format (see `orlib-cflp/PROVENANCE.md`). `file` labels errors.
/// `capacity` replaces the literal word `capacity` (capa/capb/capc) and is required there.
/// All bad numbers are reported together, each with its line.
pub fn parse(text: &str, file: &str, capacity: Option<f64>) -> Result<Cflp> {
    if let Some(c) = capacity {
        if !(c.is_finite() && c > 0.0 && c <= crate::limits::MAX_CFLP_CAPACITY) {
            return Err(Error::usage(
                format!("--capacity {c}: expected a capacity in (0, 1e12]"),
                "capa: 8000, 10000, 12000, 14000; capb: 5000–8000; capc: 5000–7250",
            ));
        }
    }
    let mut r = Reader {
        tok: Tokens::new(text),
        issues: Issues::new(),
        file,
        capacity,
        capacity_used: false,
    };
    let (m, n) = r.header(text)?;
    let mut capacities = Vec::with_capacity(m);
    let mut fixed_costs = Vec::with_capacity(m);
    for i in 0..m {
        capacities.push(r.number(format!("capacity of facility {}", i + 1), true)?);
        fixed_costs.push(r.number(format!("fixed cost of facility {}", i + 1), false)?);
    }
    let mut demands = Vec::with_capacity(n);
    let mut cost = vec![Vec::with_capacity(n); m];
    for j in 0..n {
        demands.push(r.number(format!("demand of customer {}", j + 1), false)?);
        for (i, row) in cost.iter_mut().enumerate() {
            let what = format!("cost of customer {} from facility {}", j + 1, i + 1);
            row.push(r.number(what, false)?);
        }
    }
    r.finish(m, n)?;
    let name = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string());
    r.issues.into_result(Cflp {
        name,
        capacities,
        fixed_costs,
        demands,
        cost,
    })
}

/// The state of one parse: tokens, the issues found so far, and the `--capacity` value.
struct Reader<'t> {
    tok: Tokens<'t>,
    issues: Issues,
    file: &'t str,
    capacity: Option<f64>,
    capacity_used: bool,
}

impl Reader<'_> {
    /// The next number (`what` names it in errors); a bad one is recorded as an issue and read
    /// as 0 so that every bad number is listed. `allow_capacity`: the word `capacity` stands
    /// for `--capacity`.
    fn number(&mut self, what: String, allow_capacity: bool) -> Result<f64> {
        let file = self.file;
        let (t, line) = self.tok.next().ok_or_else(|| Error::Parse {
            at: Location::file(file).record("end of file"),
            message: format!("the file ends before {what}"),
            hint: "the file is truncated: compare it with the OR-Library original".into(),
        })?;
        let at = Location::file(file)
            .record(format!("line {line}"))
            .field(&what);
        if allow_capacity && t == "capacity" {
            if let Some(c) = self.capacity {
                self.capacity_used = true;
                return Ok(c);
            }
            self.issues.push(
                at,
                "a number, or --capacity N for a file whose capacities are the word `capacity`",
                "`capacity`",
                "pass --capacity (capa: 8000, 10000, 12000, 14000; capb: 5000–8000; capc: 5000–7250)",
            );
            return Ok(0.0);
        }
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=crate::limits::MAX_AUD).contains(&v) => Ok(v),
            _ => {
                self.issues.push(
                    at,
                    "a number in [0, 1e15]",
                    format!("`{t}`"),
                    "check the file against Beasley's cap format",
                );
                Ok(0.0)
            }
        }
    }

    /// m and n from the first line, checked against what the file can hold.
    fn header(&mut self, text: &str) -> Result<(usize, usize)> {
        let m = self.number("m".into(), false)?;
        let n = self.number("n".into(), false)?;
        if !self.issues.is_empty() {
            return Err(Error::Invalid(std::mem::take(&mut self.issues).0));
        }
        let (m, n) = (self.count(m, "m")?, self.count(n, "n")?);
        // Allocate only what the file can hold: m·(n + 2) + n numbers must be there.
        let needed = m.saturating_mul(n.saturating_add(2)).saturating_add(n);
        let available = text.split_whitespace().count();
        if m.saturating_mul(n) > crate::limits::MAX_CFLP_ENTRIES || needed > available {
            return Err(Error::Parse {
                at: Location::file(self.file).record("line 1"),
                message: format!(
                    "the file ends before the data of m = {m} facilities and n = {n} customers: they need {needed} numbers, the file has {available} (and at most {} cost entries are accepted)",
                    crate::limits::MAX_CFLP_ENTRIES
                ),
                hint: "the first line holds m and n; check them against the data (truncated file?)".into(),
            });
        }
        Ok((m, n))
    }

    /// A count on the first line: a positive integer within the size limit.
    fn count(&self, v: f64, what: &str) -> Result<usize> {
        if v >= 1.0 && v.fract() == 0.0 && v <= crate::limits::MAX_CFLP_SIZE as f64 {
            return Ok(v as usize);
        }
        Err(Error::Parse {
            at: Location::file(self.file).record("line 1").field(what),
            message: format!("expected a positive integer, found {v}"),
            hint: "the first line holds m (facilities) and n (customers)".into(),
        })
    }

    /// After the data: `--capacity` must have been used, and nothing may follow.
    fn finish(&mut self, m: usize, n: usize) -> Result<()> {
        if self.capacity.is_some() && !self.capacity_used {
            return Err(Error::usage(
                format!("--capacity does not apply to {}: its capacities are numbers", self.file),
                "drop --capacity (it is only for capa/capb/capc, whose capacities are the word `capacity`)",
            ));
        }
        if let Some((t, line)) = self.tok.next() {
            self.issues.push(
                Location::file(self.file).record(format!("line {line}")),
                format!("end of file after {m} facilities and {n} customers"),
                format!("extra token `{t}`"),
                "m and n on the first line must match the data",
            );
        }
        Ok(())
    }
}

/// Reads and parses an instance file.
pub fn read_file(path: &Path, capacity: Option<f64>) -> Result<Cflp> {
    let text = crate::input::read_text(path)?;
    parse(&text, &path.display().to_string(), capacity)
}

impl Cflp {
    /// Number of facilities.
    pub fn m(&self) -> usize {
        self.capacities.len()
    }

    /// Number of customers.
    pub fn n(&self) -> usize {
        self.demands.len()
    }

    /// The instance as a siting problem (see the module documentation).
    pub fn to_siting(&self) -> SitingProblem {
        let sites = (0..self.m())
            .map(|i| SiteInput {
                id: format!("{}", i + 1),
                fixed_cost_aud: self.fixed_costs[i],
                var_cost_aud_per_mw: 0.0,
                min_mw: 0.0,
                max_mw: self.capacities[i],
                zone: None,
                pue: 1.0,
                must_build: false,
                excluded: false,
            })
            .collect();
        let cities = self
            .demands
            .iter()
            .enumerate()
            .map(|(j, &d)| CityInput {
                id: format!("{}", j + 1),
                demand_mw: d,
                max_rtt_ms: f64::INFINITY,
                min_sites: 1,
            })
            .collect();
        let assign = self
            .cost
            .iter()
            .map(|row| {
                row.iter()
                    .zip(&self.demands)
                    .map(|(&c, &d)| if d > 0.0 { c / d } else { 0.0 })
                    .collect()
            })
            .collect();
        SitingProblem {
            sites,
            cities,
            zones: Vec::new(),
            rtt_ms: vec![vec![0.0; self.n()]; self.m()],
            assign_cost_aud_per_mw: assign,
            max_sites: None,
            module_mw: None,
            unserved_penalty_aud_per_mw: f64::INFINITY,
            objective: Objective::MinCost,
            cost_cap_aud_per_yr: None,
            budget_aud_per_yr: None,
            shared_limits: Vec::new(),
            cover_sets: Vec::new(),
            capacity_rows: Vec::new(),
            flow_caps: Vec::new(),
            contingencies: Vec::new(),
            separation: None,
        }
    }

    /// The CFLP objective of a solution of [`Self::to_siting`], computed in the instance's own
    /// terms: `Σ f_i y_i + Σ cost_ij · x_ij / d_j`.
    pub fn objective(&self, s: &Solution) -> f64 {
        let fixed: f64 = (0..self.m())
            .filter(|&i| s.open.get(i).copied().unwrap_or(false))
            .map(|i| self.fixed_costs[i])
            .sum();
        let assign: f64 = s
            .flows
            .iter()
            .filter(|&&(i, j, _)| i < self.m() && j < self.n() && self.demands[j] > 0.0)
            .map(|&(i, j, x)| self.cost[i][j] * x / self.demands[j])
            .sum();
        fixed + assign
    }
}

/// Looks up the known optimum in `optima.tsv` (columns instance, capacity, optimum) beside an
/// instance file. `None` when there is no such file or row.
pub fn known_optimum(path: &Path, capacity: Option<f64>) -> Result<Option<f64>> {
    let Some(dir) = path.parent() else {
        return Ok(None);
    };
    let tsv = dir.join("optima.tsv");
    // No side file: no known optimum. One that exists is read like every input (regular files
    // only, size cap): a FIFO or a device there is an error, never a blocked read.
    if !tsv.exists() {
        return Ok(None);
    }
    let text = crate::input::read_text(&tsv)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (n, line) in text.lines().enumerate().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 3 || cols[0] != stem {
            continue;
        }
        let cap_ok = match (cols[1].trim(), capacity) {
            ("", _) => true,
            (c, Some(want)) => c.parse::<f64>().map(|c| c == want).unwrap_or(false),
            (_, None) => false,
        };
        if !cap_ok {
            continue;
        }
        return cols[2]
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| Error::Parse {
                at: Location::file(tsv.display().to_string())
                    .record(format!("line {}", n + 1))
                    .field("optimum"),
                message: format!("expected a number, found `{}`", cols[2]),
                hint: "optima.tsv has columns instance, capacity, optimum".into(),
            });
    }
    Ok(None)
}

/// The result of solving one instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CflpRun {
    /// Instance name.
    pub instance: String,
    /// Facilities.
    pub m: usize,
    /// Customers.
    pub n: usize,
    /// The `--capacity` used, if any.
    pub capacity: Option<f64>,
    /// Solver report.
    pub report: SolveReport,
    /// CFLP objective of the solution, recomputed from the instance.
    pub objective: f64,
    /// Independent check of the solution.
    pub check: CheckReport,
    /// Number of facilities opened.
    pub open_facilities: usize,
    /// Known optimum (from `--optimum` or optima.tsv).
    pub known_optimum: Option<f64>,
    /// (objective − known) / |known|.
    pub rel_diff: Option<f64>,
}

/// Reads, solves and checks one instance file; the known optimum is `optimum` or else looked
/// up in optima.tsv beside the file.
pub fn solve_file(
    path: &Path,
    capacity: Option<f64>,
    optimum: Option<f64>,
    opts: &SolveOptions,
) -> Result<CflpRun> {
    solve_file_with_progress(path, capacity, optimum, opts, &mut |_| {})
}

/// [`solve_file`] with a progress sink (see [`crate::engine::SolveProgress`]).
pub fn solve_file_with_progress(
    path: &Path,
    capacity: Option<f64>,
    optimum: Option<f64>,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(&SolveProgress),
) -> Result<CflpRun> {
    let inst = read_file(path, capacity)?;
    let known = match optimum {
        Some(o) => Some(o),
        None => known_optimum(path, capacity)?,
    };
    let mut run = solve_instance_with_progress(&inst, opts, progress)?;
    run.capacity = capacity;
    run.known_optimum = known;
    run.rel_diff = known.map(|k| (run.objective - k) / k.abs().max(1e-12));
    Ok(run)
}

/// Solves by the staged exact method of [`crate::engine::solve_with_sink`].
fn solve_staged(
    p: &SitingProblem,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(&SolveProgress),
) -> Result<(SolveReport, Solution)> {
    let (report, solution, _, _) = solve_with_sink(
        p,
        opts,
        &mut SolveSink {
            record: &mut |_, _, _| {},
            progress: Some(progress),
        },
    )?;
    Ok((report, solution))
}

/// Solves and checks a parsed instance (no known optimum attached).
pub fn solve_instance(inst: &Cflp, opts: &SolveOptions) -> Result<CflpRun> {
    solve_instance_with_progress(inst, opts, &mut |_| {})
}

/// [`solve_instance`] with a progress sink (see [`crate::engine::SolveProgress`]).
pub fn solve_instance_with_progress(
    inst: &Cflp,
    opts: &SolveOptions,
    progress: &mut dyn FnMut(&SolveProgress),
) -> Result<CflpRun> {
    let p = inst.to_siting();
    crate::model::diagnose::diagnose(&p)?;
    let (report, solution) = solve_staged(&p, opts, progress)?;
    let check = check_reported(&p, &solution, report.objective);
    Ok(CflpRun {
        instance: inst.name.clone(),
        m: inst.m(),
        n: inst.n(),
        capacity: None,
        objective: inst.objective(&solution),
        open_facilities: solution.open.iter().filter(|o| **o).count(),
        report,
        check,
        known_optimum: None,
        rel_diff: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = "2 3\n 10 100\n capacity 50\n 4\n 8 12\n 5 6.\n 6\n 1 3\n 4\n";

    #[test]
    fn parses_wrapped_numbers_and_capacity_word() {
        let c = parse(TINY, "tiny.txt", Some(7.0)).unwrap();
        assert_eq!(c.name, "tiny");
        assert_eq!(c.capacities, vec![10.0, 7.0]);
        assert_eq!(c.fixed_costs, vec![100.0, 50.0]);
        assert_eq!(c.demands, vec![4.0, 5.0, 1.0]);
        assert_eq!(c.cost, vec![vec![8.0, 6.0, 3.0], vec![12.0, 6.0, 4.0]]);
    }

    #[test]
    fn capacity_word_without_parameter_is_an_error_with_line() {
        let e = parse(TINY, "tiny.txt", None).unwrap_err().to_string();
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("--capacity"), "{e}");
    }

    #[test]
    fn all_bad_numbers_are_listed_with_lines() {
        let bad = "2 2\n10 x\n10 5\n1\n2 y\n1 1 1\n";
        let e = parse(bad, "bad.txt", None).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("`x`"), "{e}");
        assert!(e.contains("line 5") && e.contains("`y`"), "{e}");
        let truncated = parse("2 2\n10 5\n10 5\n1\n2", "t.txt", None)
            .unwrap_err()
            .to_string();
        assert!(truncated.contains("ends before"), "{truncated}");
        let extra = parse("1 1\n10 5\n1 2 3", "t.txt", None)
            .unwrap_err()
            .to_string();
        assert!(extra.contains("line 3") && extra.contains("`3`"), "{extra}");
    }

    #[test]
    fn tiny_instance_solves_to_hand_optimum() {
        // Facility 1 (cap 10, f 100) or 2 (cap 7, f 50); demand 4 + 5 + 1 = 10.
        // Open 1 only: 100 + 8 + 6 + 3 = 117. Open 2 only: infeasible (7 < 10).
        // Open both: 150 + cheapest split: customer 3 and 2 from... ≥ 150 > 117. Optimum 117.
        let c = parse(TINY, "tiny.txt", Some(7.0)).unwrap();
        let run = solve_instance(&c, &SolveOptions::default()).unwrap();
        assert!(run.check.feasible, "{:?}", run.check.violations);
        assert!((run.objective - 117.0).abs() < 1e-9, "{}", run.objective);
        assert!((run.check.objective_recomputed - 117.0).abs() < 1e-9);
    }
}
