//! Splitting a command line into words the way a POSIX shell would, and refusing everything a
//! shell would do beyond splitting.
//!
//! Deciding whether `|` is an operator or part of a word needs to know where the quotes are,
//! and so does deciding whether `$PWD` is expanded (unquoted or in double quotes) or literal
//! (in single quotes). So this is one scanner that tracks quoting and builds the words in the
//! same pass, instead of a syntax check followed by `shell_words::split` that would have to
//! agree with it on every quoting rule. The unit tests check it against `shell_words::split` on
//! lines without expansions.

use super::ParseError;

/// Split `line` into words. `$(pwd)`, `${PWD}` and `$PWD` become `workdir` (one word part,
/// never split further); any other expansion, operator or redirection is refused.
/// Backslash-newline continuations are joined; a `#` starting a word starts a comment.
pub(crate) fn tokenize(line: &str, workdir: Option<&str>) -> Result<Vec<String>, ParseError> {
    let line = line.replace("\r\n", "\n");
    let chars: Vec<char> = line.chars().collect();
    let mut scanner = Scanner {
        chars: &chars,
        pos: 0,
        workdir,
    };
    scanner.words()
}

struct Scanner<'a> {
    chars: &'a [char],
    pos: usize,
    workdir: Option<&'a str>,
}

/// Operators a shell recognises, longest first so that `&&` wins over `&`.
const OPERATORS: &[&str] = &[
    "<<<", "<<-", "&>>", "&&", "||", "|&", ";;", "&>", ">>", ">&", ">|", "<<", "<&", "<>", "<(",
    ">(", "|", "&", ";", "<", ">", "(", ")",
];

impl Scanner<'_> {
    fn peek(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn words(&mut self) -> Result<Vec<String>, ParseError> {
        let mut words = Vec::new();
        let mut word = String::new();
        // A word exists once anything (even an empty quoted string) was part of it.
        let mut in_word = false;
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' => {
                    if in_word {
                        words.push(std::mem::take(&mut word));
                        in_word = false;
                    }
                    self.pos += 1;
                }
                '\n' => {
                    self.pos += 1;
                    self.rest_is_blank()?;
                    break;
                }
                '\\' => match self.peek(1) {
                    Some('\n') => self.pos += 2,
                    Some(next) => {
                        word.push(next);
                        in_word = true;
                        self.pos += 2;
                    }
                    None => {
                        return Err(ParseError::Quoting(
                            "the line ends with `\\`: a continuation with nothing after it".into(),
                        ));
                    }
                },
                '\'' => {
                    self.pos += 1;
                    self.single_quoted(&mut word)?;
                    in_word = true;
                }
                '"' => {
                    self.pos += 1;
                    self.double_quoted(&mut word)?;
                    in_word = true;
                }
                '#' if !in_word => break,
                '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' => {
                    return Err(typographic(c, "`\"`"));
                }
                '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' => {
                    return Err(typographic(c, "`'`"));
                }
                '\u{00a0}' | '\u{2007}' | '\u{202f}' => {
                    return Err(typographic(c, "a plain space"));
                }
                '\u{2010}'..='\u{2015}' | '\u{2212}' if !in_word => {
                    return Err(typographic(c, "`-` (flags start with `-` or `--`)"));
                }
                '~' if !in_word => return Err(ParseError::Shell("~".into())),
                '|' | '&' | ';' | '<' | '>' | '(' | ')' => {
                    return Err(self.operator_error(&word, in_word));
                }
                '`' => return Err(ParseError::Shell(self.backticks())),
                '$' => {
                    self.dollar(&mut word, false)?;
                    in_word = true;
                }
                _ => {
                    word.push(c);
                    in_word = true;
                    self.pos += 1;
                }
            }
        }
        if in_word {
            words.push(word);
        }
        Ok(words)
    }

    /// The refusal of the operator or redirection at the current position, naming a file
    /// descriptor written just before it (`2>`) as part of it.
    fn operator_error(&self, word: &str, in_word: bool) -> ParseError {
        let io_number = if in_word && !word.is_empty() && word.chars().all(|d| d.is_ascii_digit()) {
            word
        } else {
            ""
        };
        ParseError::Shell(format!("{io_number}{}", self.operator()))
    }

    /// After an unquoted newline only blank lines and comments may follow: a second command
    /// would be a shell script.
    fn rest_is_blank(&self) -> Result<(), ParseError> {
        let rest: String = self.chars[self.pos..].iter().collect();
        for line in rest.lines() {
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                return Err(ParseError::Shell("newline".into()));
            }
        }
        Ok(())
    }

    fn operator(&self) -> String {
        let rest: String = self.chars[self.pos..].iter().take(3).collect();
        let op = OPERATORS
            .iter()
            .find(|op| rest.starts_with(**op))
            .map_or_else(|| rest.chars().take(1).collect(), |op| (*op).to_string());
        if op == ">&" || op == "<&" {
            // `2>&1`, `>&-`: name the whole redirection.
            let target: String = self.chars[self.pos + 2..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == '-')
                .collect();
            return format!("{op}{target}");
        }
        op
    }

    fn backticks(&self) -> String {
        let body: String = self.chars[self.pos + 1..]
            .iter()
            .take_while(|c| **c != '`')
            .collect();
        format!("`{body}`")
    }

    fn single_quoted(&mut self, word: &mut String) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == '\'' {
                return Ok(());
            }
            word.push(c);
        }
        Err(ParseError::Quoting("unterminated single quote `'`".into()))
    }

    fn double_quoted(&mut self, word: &mut String) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(());
                }
                '\\' => match self.peek(1) {
                    Some('\n') => self.pos += 2,
                    Some(next @ ('$' | '`' | '"' | '\\')) => {
                        word.push(next);
                        self.pos += 2;
                    }
                    _ => {
                        word.push('\\');
                        self.pos += 1;
                    }
                },
                '`' => return Err(ParseError::Shell(self.backticks())),
                '$' => self.dollar(word, true)?,
                _ => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        Err(ParseError::Quoting("unterminated double quote `\"`".into()))
    }

    /// At a `$`: substitute the working folder, refuse any other expansion, or keep a lone `$`.
    fn dollar(&mut self, word: &mut String, in_double_quotes: bool) -> Result<(), ParseError> {
        let (syntax, end) = match self.peek(1) {
            Some('(') => {
                let Some(close) = self.matching_paren(self.pos + 1) else {
                    return Err(ParseError::Quoting("unterminated `$(`".into()));
                };
                let syntax: String = self.chars[self.pos..=close].iter().collect();
                (syntax, close + 1)
            }
            Some('{') => {
                let Some(close) = self.chars[self.pos..].iter().position(|c| *c == '}') else {
                    return Err(ParseError::Quoting("unterminated `${`".into()));
                };
                let syntax: String = self.chars[self.pos..=self.pos + close].iter().collect();
                (syntax, self.pos + close + 1)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let len = self.chars[self.pos + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                let syntax: String = self.chars[self.pos..=self.pos + len].iter().collect();
                (syntax, self.pos + len + 1)
            }
            Some(c) if c.is_ascii_digit() || "?$!@*#-".contains(c) => {
                (format!("${c}"), self.pos + 2)
            }
            Some(c @ ('\'' | '"')) if !in_double_quotes => {
                return Err(ParseError::Shell(format!("${c}")));
            }
            _ => {
                word.push('$');
                self.pos += 1;
                return Ok(());
            }
        };
        if is_pwd(&syntax) {
            let Some(dir) = self.workdir else {
                return Err(ParseError::NoWorkdir { syntax });
            };
            word.push_str(dir);
            self.pos = end;
            return Ok(());
        }
        Err(ParseError::Shell(syntax))
    }

    /// Index of the `)` closing the `(` at `open`, skipping quoted text.
    fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, c) in self.chars.iter().enumerate().skip(open) {
            match (quote, *c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(*c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

/// A typographic character pasted from a web page where the shell needs a plain one.
/// (A quoting error: the shell would not treat it as the quote or dash it looks like.)
fn typographic(c: char, plain: &str) -> ParseError {
    let found = if c.is_whitespace() {
        format!("U+{:04X} (a non-breaking space)", c as u32)
    } else {
        format!("`{c}`")
    };
    ParseError::Quoting(format!(
        "{found} is a typographic character, probably copied from a web page: type {plain} instead"
    ))
}

fn is_pwd(syntax: &str) -> bool {
    match syntax {
        "$PWD" | "${PWD}" => true,
        _ => syntax
            .strip_prefix("$(")
            .and_then(|s| s.strip_suffix(')'))
            .is_some_and(|inner| inner.trim() == "pwd"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<String> {
        match tokenize(line, Some("/home/s/lab")) {
            Ok(w) => w,
            Err(e) => panic!("{line}: {e}"),
        }
    }

    fn refused(line: &str) -> ParseError {
        match tokenize(line, Some("/home/s/lab")) {
            Ok(w) => panic!("{line}: expected an error, got {w:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn agrees_with_shell_words_on_plain_lines() {
        let lines = [
            r#"docker run -d --name writer -v app-data:/data alpine sh -c "echo 'persistent data' > /data/message.txt && sleep 3600""#,
            "docker inspect container-a --format '{{.NetworkSettings.IPAddress}}'",
            r#"docker exec -it mysql-server mysql -u appuser -papppass myapp -e "SELECT * FROM users;""#,
            r#"a "b c" 'd e' f\ g "h\"i" 'j\k' "l\m" "" ''"#,
            "docker run \\\n  --rm \\\n  alpine true",
            "a\"b\"'c'd",
            "  leading   and trailing  ",
        ];
        for line in lines {
            let expected = shell_words::split(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(words(line), expected, "{line}");
        }
    }

    #[test]
    fn substitutes_the_working_folder() {
        let table = [
            ("-v $(pwd):/app", vec!["-v", "/home/s/lab:/app"]),
            ("-v ${PWD}:/app", vec!["-v", "/home/s/lab:/app"]),
            ("-v $PWD/data:/app", vec!["-v", "/home/s/lab/data:/app"]),
            (r#"-v "$(pwd)":/app"#, vec!["-v", "/home/s/lab:/app"]),
            (
                r#"--mount "type=bind,src=$PWD""#,
                vec!["--mount", "type=bind,src=/home/s/lab"],
            ),
            ("echo '$PWD'", vec!["echo", "$PWD"]),
            (r#"echo "\$PWD""#, vec!["echo", "$PWD"]),
            ("echo $ 5$", vec!["echo", "$", "5$"]),
        ];
        for (line, expected) in table {
            assert_eq!(words(line), expected, "{line}");
        }
    }

    #[test]
    fn working_folder_with_spaces_stays_one_word() {
        let got = tokenize("-v $(pwd):/app", Some("/home/a b")).unwrap_or_default();
        assert_eq!(got, vec!["-v", "/home/a b:/app"]);
    }

    #[test]
    fn pwd_without_working_folder_is_an_error() {
        assert_eq!(
            tokenize("-v $(pwd):/app", None),
            Err(ParseError::NoWorkdir {
                syntax: "$(pwd)".into()
            })
        );
    }

    #[test]
    fn comments_and_continuations() {
        assert_eq!(
            words("docker network ls # list them"),
            vec!["docker", "network", "ls"]
        );
        assert_eq!(words("echo a#b"), vec!["echo", "a#b"]);
        assert_eq!(
            words("docker run \\\r\n alpine"),
            vec!["docker", "run", "alpine"]
        );
        assert_eq!(words("docker ps\n# a comment\n\n"), vec!["docker", "ps"]);
        assert_eq!(words("echo \"two\nlines\""), vec!["echo", "two\nlines"]);
    }

    #[test]
    fn refuses_shell_syntax_naming_it() {
        let table = [
            ("docker logs -f x 2>&1| grep -m 1 ready", "2>&1"),
            ("docker volume ls | grep store", "|"),
            ("docker volume rm x 2>/dev/null || true", "2>"),
            ("docker network prune -f && docker volume prune -f", "&&"),
            ("docker ps; docker ps", ";"),
            ("docker ps > out.txt", ">"),
            ("docker ps >> out.txt", ">>"),
            ("docker ps &", "&"),
            ("cat << 'EOF'", "<<"),
            (
                "tar czf /backup/b-$(date +%Y%m%d).tar.gz",
                "$(date +%Y%m%d)",
            ),
            ("echo `date`", "`date`"),
            ("echo $HOME", "$HOME"),
            ("echo \"$HOME\"", "$HOME"),
            ("echo \"${HOME}/x\"", "${HOME}"),
            ("echo $1", "$1"),
            ("echo $?", "$?"),
            ("echo $((1+2))", "$((1+2))"),
            ("echo \"$(whoami)\"", "$(whoami)"),
            ("echo $'a'", "$'"),
            ("-v ~/data:/data", "~"),
            ("(docker ps)", "("),
            ("docker ps\ndocker ps", "newline"),
        ];
        for (line, syntax) in table {
            assert_eq!(refused(line), ParseError::Shell(syntax.into()), "{line}");
        }
    }

    #[test]
    fn typographic_characters_are_named() {
        for line in [
            "docker run \u{2013}-name web alpine",
            "docker run \u{2014}name web alpine",
            "sh -c \u{201c}echo hi\u{201d}",
            "sh -c \u{2018}echo hi\u{2019}",
            "docker\u{a0}ps",
        ] {
            assert!(
                matches!(refused(line), ParseError::Quoting(m) if m.contains("typographic")),
                "{line}"
            );
        }
        // Inside quotes they are just text, and a dash inside a word is fine.
        assert_eq!(
            words("echo '\u{201c}x\u{201d}' a\u{2013}b"),
            vec!["echo", "\u{201c}x\u{201d}", "a\u{2013}b"]
        );
    }

    #[test]
    fn quoting_errors() {
        for line in [
            "echo 'abc",
            "echo \"abc",
            "docker run \\",
            "echo $(pwd",
            "echo ${PWD",
        ] {
            assert!(matches!(refused(line), ParseError::Quoting(_)), "{line}");
        }
    }
}
