//! Criterion benchmark of OR-Library CFLP solves (filled in below).
fn main() {}
