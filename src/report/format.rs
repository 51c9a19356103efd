//! Number formats shared by the text renderers.

/// Formats AUD with a unit suffix: `A$1.23 M`, `A$456 k`.
pub fn aud(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("A${:.2} B", x / 1e9)
    } else if a >= 1e6 {
        format!("A${:.2} M", x / 1e6)
    } else if a >= 1e3 {
        format!("A${:.1} k", x / 1e3)
    } else {
        format!("A${x:.0}")
    }
}
