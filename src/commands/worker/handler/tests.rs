use super::*;

#[test]
fn a_tail_keeps_the_end_and_says_when_it_cut() {
    let mut t = Tail::new(4096);
    t.push(b"hello\n");
    assert!(t.is_whole());
    assert_eq!(t.text(), "hello");
    for _ in 0..3000 {
        t.push("é-".as_bytes());
    }
    t.push(b"end");
    assert!(!t.is_whole());
    assert_eq!(t.bytes().len(), 4096);
    let text = t.text();
    assert!(text.starts_with('…') && text.ends_with("-end"), "{text}");
    assert!(!text.contains('\u{FFFD}'), "no half character: {text}");
}

#[test]
fn a_log_tail_is_untrimmed_and_cuts_no_character() {
    let mut t = Tail::new(4096);
    t.push(b"  line one\n");
    assert_eq!(t.log_text(), "  line one\n", "whole: as written");
    for _ in 0..3000 {
        t.push("é-".as_bytes());
    }
    t.push(b"a\0b\n");
    let text = t.log_text();
    assert!(text.ends_with("-a\u{FFFD}b\n"), "{text:?}");
    assert!(!text.starts_with('\u{FFFD}') && !text.contains("line one"));
    assert_eq!(t.total(), 11 + 3000 * 3 + 4);
}

#[test]
fn exits_are_described() {
    assert_eq!(
        describe_exit(&ExitStatus::from_raw(3 << 8)),
        "exit status 3"
    );
    assert_eq!(
        describe_exit(&ExitStatus::from_raw(libc::SIGKILL)),
        "killed by signal 9 (SIGKILL)"
    );
}
