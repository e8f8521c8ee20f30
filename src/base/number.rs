//! Numbers in messages.

/// A number as messages show it: its shortest exact form when that is short (`0.9`, `2.5`,
/// `4294967296`), else rounded to 4 significant digits, in exponent form when very large or small
/// (`1e308`, never 309 digits).
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if x.fract() == 0.0 && a < 1e15 {
        return format!("{x:.0}");
    }
    if a != 0.0 && !(1e-3..1e7).contains(&a) {
        let s = format!("{x:.3e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exponent}");
    }
    let shortest = format!("{x}");
    if shortest.len() <= 10 {
        return shortest;
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers_stay_short() {
        assert_eq!(compact(1e308), "1e308");
        assert_eq!(compact(1.23456e-9), "1.235e-9");
        assert_eq!(compact(2.5), "2.5");
        assert_eq!(compact(2.0), "2");
        assert_eq!(compact(0.1234), "0.1234");
        assert_eq!(compact(1.0 / 3.0), "0.3333");
        assert_eq!(compact(12345.678901), "12346");
        assert_eq!(compact(4_294_967_296.0), "4294967296");
        assert_eq!(compact(1e-308), "1e-308");
        assert_eq!(compact(0.0), "0");
    }
}
