//! Issue 28 item 5 and "Done when": the long steps a newcomer waits on report named, counted
//! progress through `sitefind::progress::Counted` (what the CLI draws as a bar with the name,
//! count, rate and ETA): `supply traces` and `supply zones` (`supply --zone all`, the main
//! job's supply stage), `alternatives` and `margins` (the main job), `sweep samples`. A recorder
//! stands in for the bar and checks each step starts once with its count, is told of every
//! item and finishes.

use sitefind::progress::Counted;
use std::sync::Mutex;

/// One recorded step: name, announced total, items told, finished.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    name: String,
    total: u64,
    done: u64,
    finished: bool,
}

#[derive(Default)]
struct Recorder {
    steps: Mutex<Vec<Step>>,
}

impl Counted for Recorder {
    fn start(&self, stage: &str, total: u64) {
        let mut s = self.steps.lock().unwrap();
        assert!(
            s.last().is_none_or(|l| l.finished),
            "{stage} starts inside {:?}",
            s.last()
        );
        s.push(Step {
            name: stage.to_string(),
            total,
            done: 0,
            finished: false,
        });
    }
    fn inc(&self, n: u64) {
        let mut s = self.steps.lock().unwrap();
        let last = s.last_mut().expect("inc before start");
        assert!(!last.finished, "inc after {} finished", last.name);
        last.done += n;
    }
    fn finish(&self) {
        let mut s = self.steps.lock().unwrap();
        let last = s.last_mut().expect("finish before start");
        assert!(!last.finished, "{} finished twice", last.name);
        last.finished = true;
    }
}

impl Recorder {
    fn steps(&self) -> Vec<Step> {
        self.steps.lock().unwrap().clone()
    }
}

fn complete(s: &Step) -> bool {
    s.finished && s.done == s.total && s.total > 0
}

#[test]
fn supply_zones_are_counted_by_name() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let mut sc = sitefind::scenario::Scenario::default();
    // A target no other test uses, so the process's memo has none of these zones.
    sc.supply.cfe_target = 0.8117;
    sc.supply.cache_dir = None;
    let ids: std::collections::BTreeSet<String> =
        ds.zones.iter().take(3).map(|z| z.id.clone()).collect();
    let rec = Recorder::default();
    let (portfolios, _) =
        sitefind::supply::solve_zones_counted(&ds, &sc, &ids, None, &rec).unwrap();
    assert_eq!(portfolios.len(), 3);
    let steps = rec.steps();
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["supply traces", "supply zones"], "{steps:?}");
    for s in &steps {
        assert_eq!(s.total, 3, "{s:?}");
        assert!(complete(s), "{s:?}");
    }
    // Again: every zone from the memo, nothing to count.
    let rec = Recorder::default();
    sitefind::supply::solve_zones_counted(&ds, &sc, &ids, None, &rec).unwrap();
    assert!(rec.steps().is_empty(), "{:?}", rec.steps());
}

#[test]
fn sweep_samples_are_counted_by_name() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let file = crate::common::repo().join("data/sweeps/pareto_small.toml");
    let spec = sitefind::decide::sweep::SweepSpec::from_file(&file).unwrap();
    let sw = sitefind::decide::sweep::Sweep::new(&ds, &demand, &spec).unwrap();
    let rec = Recorder::default();
    let rows = sw.run_counted((1, 5), &rec);
    assert_eq!(rows.len(), 4);
    let steps = rec.steps();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert_eq!(steps[0].name, "sweep samples");
    assert_eq!(steps[0].total, 4);
    assert!(complete(&steps[0]), "{steps:?}");
}

#[test]
fn the_main_job_counts_alternatives_and_margins() {
    let ds = sitefind::data::Dataset::embedded().unwrap();
    let demand = sitefind::data::Demand::embedded().unwrap();
    let mut sc = sitefind::scenario::Scenario::default();
    sc.alternatives.count = 2;
    let rec = Recorder::default();
    let mut quiet = |_: &str, _: f64, _: &str| {};
    sitefind::job::run_counted(&ds, &demand, &sc, &mut quiet, &rec).unwrap();
    let steps = rec.steps();
    let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
    for want in ["alternatives", "margins"] {
        let s = steps
            .iter()
            .find(|s| s.name == want)
            .unwrap_or_else(|| panic!("no {want} step in {names:?}"));
        assert!(s.finished && s.total > 0 && s.done <= s.total, "{s:?}");
    }
    assert!(steps.iter().all(|s| s.finished), "{steps:?}");
}
