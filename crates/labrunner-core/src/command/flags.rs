//! Flag scanning with the docker CLI's rules (spf13/pflag): `--name value`, `--name=value`,
//! `-n value`, `-nvalue`, `-n=value`, combined short flags (`-dit`, `-dp 80`), `--` ends flags.

use super::ParseError;

/// One flag a subcommand accepts. `names` lists every spelling (`--detach`, `-d`).
pub(crate) struct Flag {
    pub id: &'static str,
    pub names: &'static [&'static str],
    pub takes_value: bool,
}

pub(crate) const fn value(id: &'static str, names: &'static [&'static str]) -> Flag {
    Flag {
        id,
        names,
        takes_value: true,
    }
}

pub(crate) const fn switch(id: &'static str, names: &'static [&'static str]) -> Flag {
    Flag {
        id,
        names,
        takes_value: false,
    }
}

/// A flag as found on the line.
#[derive(Debug)]
pub(crate) struct Found {
    pub id: &'static str,
    /// The spelling used (`-d`, `--detach`), for error messages.
    pub name: String,
    /// The value of a value flag; for a switch, `None` unless written `--rm=false`.
    pub value: Option<String>,
}

impl Found {
    /// For a switch: on unless written `=false` (or `=0`).
    pub fn is_on(&self) -> bool {
        !matches!(
            self.value.as_deref(),
            Some("false" | "0" | "False" | "FALSE" | "f" | "F")
        )
    }

    /// The value of a value flag (the scanner guarantees one).
    pub fn text(&self) -> String {
        self.value.clone().unwrap_or_default()
    }
}

/// The last occurrence of a flag: like the docker CLI, a later one wins.
pub(crate) fn last<'a>(found: &'a [Found], id: &str) -> Option<&'a Found> {
    found.iter().rev().find(|f| f.id == id)
}

pub(crate) struct Scanned {
    pub flags: Vec<Found>,
    pub args: Vec<String>,
}

/// Scan `words` (everything after the subcommand). With `interspersed` false (run, create,
/// exec), the first positional argument ends the flags: the rest belongs to the command.
pub(crate) fn scan(
    command: &str,
    words: &[String],
    spec: &[Flag],
    interspersed: bool,
) -> Result<Scanned, ParseError> {
    let mut flags = Vec::new();
    let mut args = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if word == "--" {
            args.extend(words[i..].iter().cloned());
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            flags.push(long_flag(command, spec, word, long, words, &mut i)?);
        } else if word.len() > 1 && word.starts_with('-') {
            short_flags(command, spec, word, words, &mut i, &mut flags)?;
        } else if interspersed {
            args.push(word.clone());
        } else {
            args.extend(words[i - 1..].iter().cloned());
            break;
        }
    }
    Ok(Scanned { flags, args })
}

/// The flag of `spec` spelled `name`, or an unsupported-flag error for `command`.
fn lookup<'a>(command: &str, spec: &'a [Flag], name: &str) -> Result<&'a Flag, ParseError> {
    spec.iter()
        .find(|f| f.names.contains(&name))
        .ok_or_else(|| ParseError::UnsupportedFlag {
            command: command.to_string(),
            flag: name.to_string(),
        })
}

/// The word at `*i`, taken as the value of `flag`.
fn next_value(words: &[String], i: &mut usize, flag: &str) -> Result<String, ParseError> {
    let v = words
        .get(*i)
        .cloned()
        .ok_or_else(|| ParseError::MissingValue {
            flag: flag.to_string(),
        })?;
    *i += 1;
    Ok(v)
}

/// `--name`, `--name=value` or `--name value` (`long` is `word` without its dashes).
fn long_flag(
    command: &str,
    spec: &[Flag],
    word: &str,
    long: &str,
    words: &[String],
    i: &mut usize,
) -> Result<Found, ParseError> {
    let (name, inline) = match long.split_once('=') {
        Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
        None => (word.to_string(), None),
    };
    let flag = lookup(command, spec, &name)?;
    let value = if flag.takes_value && inline.is_none() {
        Some(next_value(words, i, &name)?)
    } else {
        inline
    };
    if !flag.takes_value {
        check_bool(&name, value.as_deref())?;
    }
    Ok(Found {
        id: flag.id,
        name,
        value,
    })
}

/// A cluster of short flags (`-dit`, `-dp 80`, `-p80`, `-d=false`); a value flag ends it.
fn short_flags(
    command: &str,
    spec: &[Flag],
    word: &str,
    words: &[String],
    i: &mut usize,
    flags: &mut Vec<Found>,
) -> Result<(), ParseError> {
    let cluster: Vec<char> = word.chars().skip(1).collect();
    let mut j = 0;
    while j < cluster.len() {
        let name = format!("-{}", cluster[j]);
        let flag = lookup(command, spec, &name)?;
        let rest: String = cluster[j + 1..].iter().collect();
        if flag.takes_value {
            let value = if rest.is_empty() {
                next_value(words, i, &name)?
            } else {
                rest.strip_prefix('=').unwrap_or(&rest).to_string()
            };
            flags.push(Found {
                id: flag.id,
                name,
                value: Some(value),
            });
            break;
        }
        if let Some(v) = rest.strip_prefix('=') {
            check_bool(&name, Some(v))?;
            flags.push(Found {
                id: flag.id,
                name,
                value: Some(v.to_string()),
            });
            break;
        }
        flags.push(Found {
            id: flag.id,
            name,
            value: None,
        });
        j += 1;
    }
    Ok(())
}

fn check_bool(flag: &str, value: Option<&str>) -> Result<(), ParseError> {
    match value {
        None
        | Some(
            "true" | "false" | "1" | "0" | "True" | "False" | "TRUE" | "FALSE" | "t" | "f" | "T"
            | "F",
        ) => Ok(()),
        Some(v) => Err(ParseError::InvalidValue {
            flag: flag.to_string(),
            value: v.to_string(),
            reason: "expected true or false".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &[Flag] = &[
        switch("detach", &["-d", "--detach"]),
        switch("interactive", &["-i", "--interactive"]),
        switch("tty", &["-t", "--tty"]),
        value("publish", &["-p", "--publish"]),
        value("name", &["--name"]),
    ];

    fn scan_words(line: &str, interspersed: bool) -> Result<Scanned, ParseError> {
        let words: Vec<String> = line.split_whitespace().map(String::from).collect();
        scan("run", &words, SPEC, interspersed)
    }

    fn summary(line: &str, interspersed: bool) -> (Vec<String>, Vec<String>) {
        match scan_words(line, interspersed) {
            Ok(s) => (
                s.flags
                    .iter()
                    .map(|f| format!("{}={}", f.id, f.value.as_deref().unwrap_or("")))
                    .collect(),
                s.args,
            ),
            Err(e) => panic!("{line}: {e}"),
        }
    }

    #[test]
    fn spellings() {
        let table: &[(&str, &[&str], &[&str])] = &[
            ("-dit img", &["detach=", "interactive=", "tty="], &["img"]),
            ("-dp 80 img", &["detach=", "publish=80"], &["img"]),
            ("-p8080:80 img", &["publish=8080:80"], &["img"]),
            ("-p=8080:80 img", &["publish=8080:80"], &["img"]),
            (
                "--publish=1:2 --name x img",
                &["publish=1:2", "name=x"],
                &["img"],
            ),
            ("--detach=false img", &["detach=false"], &["img"]),
            ("img -d", &[], &["img", "-d"]),
            ("-- -d", &[], &["-d"]),
        ];
        for (line, flags, args) in table {
            let (f, a) = summary(line, false);
            assert_eq!(f, *flags, "{line}");
            assert_eq!(a, *args, "{line}");
        }
        let (f, a) = summary("x --name y z", true);
        assert_eq!(
            (f, a),
            (
                vec!["name=y".to_string()],
                vec!["x".to_string(), "z".to_string()]
            )
        );
    }

    #[test]
    fn errors_name_the_flag() {
        let table = [
            ("--privileged img", "--privileged"),
            ("--name=x --foo=bar img", "--foo"),
            ("-dx img", "-x"),
        ];
        for (line, flag) in table {
            match scan_words(line, false) {
                Err(ParseError::UnsupportedFlag { command, flag: f }) => {
                    assert_eq!((command.as_str(), f.as_str()), ("run", flag), "{line}");
                }
                other => panic!("{line}: {:?}", other.map(|s| s.args)),
            }
        }
        assert!(
            matches!(scan_words("--name", false), Err(ParseError::MissingValue { flag }) if flag == "--name")
        );
        assert!(
            matches!(scan_words("-dp", false), Err(ParseError::MissingValue { flag }) if flag == "-p")
        );
        assert!(matches!(
            scan_words("--detach=maybe x", false),
            Err(ParseError::InvalidValue { .. })
        ));
    }
}
