use super::normalize;

#[test]
fn ids_paths_numbers_and_times_are_folded() {
    let cases = [
        (
            "FileNotFoundError: /data/incoming/2025-11-30T12:00:00_sb03.uvh5",
            "FileNotFoundError: <path>",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '/stage/ms/2025-11-30.ms'",
            "FileNotFoundError: [Errno 2] No such file or directory: '<path>'",
        ),
        (
            "task 0b6e6f3c-8a1e-4f4e-9a55-0d2d8c1f2a10 timed out after 3600 s",
            "task <uuid> timed out after <n> s",
        ),
        (
            "OSError: [Errno 28] No space left on device",
            "OSError: [Errno 28] No space left on device",
        ),
        (
            "No calibrator registered for Dec 30.51",
            "No calibrator registered for Dec <n>",
        ),
        (
            "worker w-3f2a9c1d0e lost at 2025-11-30 12:00:05.123+00:00, retry",
            "worker w-<hex> lost at <ts>, retry",
        ),
        (
            "group 2025-11-30T12:00Z failed at 12:04:59",
            "group <ts> failed at <ts>",
        ),
        ("object at 0x7f3a2c00 died", "object at <hex> died"),
        ("took 12ms, limit 5.5s", "took <duration>, limit <duration>"),
        (
            "connection to 10.0.0.5:5432 refused",
            "connection to <ip>:<n> refused",
        ),
        // One cause however its duration is written.
        ("timed out after 3h 2m 1s", "timed out after <duration>"),
        ("timed out after 2m 1s", "timed out after <duration>"),
        // Exit codes, signals and errnos tell causes apart.
        (
            "handler exited with exit code 137",
            "handler exited with exit code 137",
        ),
        (
            "process exit 1 after 3 tries",
            "process exit 1 after <n> tries",
        ),
        ("killed by signal 9", "killed by signal 9"),
        ("returncode=2", "returncode=2"),
        (
            "see ./logs/run.log: and ~/casa/ipython.log.",
            "see <path>: and <path>.",
        ),
        (
            "SEVERE msmetadata_cmpt.cc::open Exception Reported",
            "SEVERE msmetadata_cmpt.cc::open Exception Reported",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(normalize(input), want, "normalising {input:?}");
    }
}

#[test]
fn words_with_digits_and_slashes_stay() {
    assert_eq!(
        normalize("convert-uvh5-to-ms and/or 3C286"),
        "convert-uvh5-to-ms and/or <n>C286"
    );
    assert_eq!(normalize("deadbeef cafe1234"), "deadbeef <hex>");
    assert_eq!(normalize("12345678 items"), "<n> items");
}

#[test]
fn whitespace_is_collapsed() {
    assert_eq!(
        normalize("Traceback:\n  File x, line 42\n\tValueError: bad  "),
        "Traceback: File x, line <n> ValueError: bad"
    );
}

#[test]
fn same_cause_same_pattern() {
    let a = normalize("exit status 137 after 4012.5 s; stderr: Killed /tmp/absurd_91f2/work");
    let b = normalize("exit status 137 after 12.0 s; stderr: Killed /tmp/absurd_0001/work");
    assert_eq!(a, b);
}
