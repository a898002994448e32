use super::*;

#[test]
fn ellipsize_cuts_long_text() {
    assert_eq!(ellipsize("short", 10), "short");
    assert_eq!(ellipsize("a\nb", 10), "a b");
    assert_eq!(ellipsize("abcdefghijkl", 5), "abcd…");
}

#[test]
fn prometheus_text_escapes_and_formats() {
    let text = prometheus_text(&[
        PromFamily {
            name: "absurd_x",
            help: "a \\ b\nc",
            kind: "gauge",
            samples: vec![
                PromSample::new(vec![("queue", "q\"1\\\n".into())], 2.0),
                PromSample::new(vec![("queue", "q2".into())], 0.25),
                PromSample::new(vec![("queue", "q3".into())], f64::INFINITY),
            ],
        },
        PromFamily {
            name: "absurd_empty",
            help: "left out",
            kind: "gauge",
            samples: vec![],
        },
    ]);
    assert_eq!(
        text,
        "# HELP absurd_x a \\\\ b\\nc\n# TYPE absurd_x gauge\n\
         absurd_x{queue=\"q\\\"1\\\\\\n\"} 2\n\
         absurd_x{queue=\"q2\"} 0.25\n\
         absurd_x{queue=\"q3\"} +Inf\n"
    );
}
