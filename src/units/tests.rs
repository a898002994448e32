use super::*;

#[test]
fn counts_have_thousands_separators() {
    assert_eq!(fmt_count(0), "0");
    assert_eq!(fmt_count(50), "50");
    assert_eq!(fmt_count(3350), "3,350");
    assert_eq!(fmt_count(-1_234_567), "-1,234,567");
}

#[test]
fn durations_are_short() {
    assert_eq!(fmt_secs(0.25), "250ms");
    assert_eq!(fmt_secs(12.0), "12.0s");
    assert_eq!(fmt_secs(250.0), "4m 10s");
    assert_eq!(fmt_secs(3.0 * 3600.0 + 120.0), "3h 2m");
    assert_eq!(fmt_secs(2.0 * 86400.0 + 5.0 * 3600.0), "2d 5h");
}

#[test]
fn milliseconds_and_sizes_are_short() {
    assert_eq!(fmt_ms(0.421), "0.42ms");
    assert_eq!(fmt_ms(12.34), "12.3ms");
    assert_eq!(fmt_ms(2500.0), "2.5s");
    assert_eq!(fmt_bytes(512), "512 B");
    assert_eq!(fmt_bytes(4096), "4.0 KiB");
    assert_eq!(fmt_bytes(47_395_635), "45.2 MiB");
    assert_eq!(fmt_bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GiB");
}
