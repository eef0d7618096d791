//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! unsuppressed finding, and `::warning` lines for notifications.

use std::io::Write;

use super::Report;
use crate::checks::Level;

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(report: &Report, w: &mut dyn Write) -> std::io::Result<()> {
    for f in report.visible().filter(|f| f.suppression.is_none()) {
        let cmd = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            _ => "notice",
        };
        writeln!(
            w,
            "::{cmd} file={},line={},col={},endColumn={},title={}::{}",
            property(&f.path),
            f.line,
            f.column,
            f.end_column,
            property(&format!("{} {}", f.code.as_str(), f.check)),
            data(&f.message)
        )?;
    }
    for n in &report.notifications {
        let cmd = match n.level {
            crate::report::NotificationLevel::Note => "notice",
            _ => "warning",
        };
        match &n.path {
            Some(p) => writeln!(
                w,
                "::{cmd} file={},title=modelgate::{}",
                property(p),
                data(&n.message)
            )?,
            None => writeln!(w, "::{cmd} title=modelgate::{}", data(&n.message))?,
        }
    }
    let (e, wa, no, _) = report.counts();
    writeln!(
        w,
        "modelgate: {e} error(s), {wa} warning(s), {no} note(s), {} suppressed",
        report.suppressed()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(super::data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
