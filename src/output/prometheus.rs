//! The Prometheus text exposition format (0.0.4), for `status -o
//! prometheus` and the exporter.

/// A metric family of the Prometheus text exposition format (0.0.4).
pub struct PromFamily<'a> {
    pub name: &'a str,
    pub help: &'a str,
    /// gauge, counter, ...
    pub kind: &'a str,
    pub samples: Vec<PromSample>,
}

/// One sample: label pairs (the same names for every sample of a family) and a value.
pub struct PromSample {
    pub labels: Vec<(&'static str, String)>,
    pub value: f64,
}

impl PromSample {
    pub fn new(labels: Vec<(&'static str, String)>, value: f64) -> Self {
        PromSample { labels, value }
    }
}

/// Renders families as the text format: HELP and TYPE once per family, its
/// samples together after them; families without samples are left out.
pub fn prometheus_text(families: &[PromFamily<'_>]) -> String {
    let mut out = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let help = f.help.replace('\\', "\\\\").replace('\n', "\\n");
        out.push_str(&format!(
            "# HELP {} {help}\n# TYPE {} {}\n",
            f.name, f.name, f.kind
        ));
        for s in &f.samples {
            out.push_str(f.name);
            if !s.labels.is_empty() {
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v)))
                    .collect();
                out.push_str(&format!("{{{}}}", labels.join(",")));
            }
            out.push_str(&format!(" {}\n", prom_value(s.value)));
        }
    }
    out
}

fn escape_label_value(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn prom_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
