//! Image substitution for offline classrooms: `--image-map alpine:latest=local/busybox:1`.

use std::collections::BTreeMap;

use crate::command::Action;

/// Maps image references a lab names onto images present locally.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageMap(BTreeMap<String, String>);

impl ImageMap {
    /// The image to use for `image`: mapped if a mapping exists (`alpine` and `alpine:latest` are
    /// the same reference), else `image` itself.
    pub fn resolve<'a>(&'a self, image: &'a str) -> &'a str {
        let full = normalize(image);
        self.0
            .iter()
            .find(|(from, _)| normalize(from) == full)
            .map(|(_, to)| to.as_str())
            .unwrap_or(image)
    }

    pub fn insert(&mut self, from: &str, to: &str) {
        self.0.insert(from.to_string(), to.to_string());
    }

    /// Parse `FROM=TO` entries separated by commas or whitespace.
    pub fn parse_entries(text: &str) -> Result<Self, String> {
        let mut map = ImageMap::default();
        for entry in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let (from, to) = entry
                .split_once('=')
                .filter(|(f, t)| !f.is_empty() && !t.is_empty())
                .ok_or_else(|| format!("image mapping `{entry}` is not FROM=TO"))?;
            map.insert(from, to);
        }
        Ok(map)
    }

    /// Whether `seen` (an image a container ran) is `named` (an image a lab names), or what the
    /// map puts in its place.
    pub fn accepts(&self, named: &str, seen: &str) -> bool {
        let seen = normalize(strip_default_registry(seen));
        normalize(strip_default_registry(named)) == seen || normalize(self.resolve(named)) == seen
    }

    /// Whether any image is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `command` as it will run: a `docker run` or `docker create` naming a mapped image names
    /// the image it is mapped to instead. Other commands, and commands that do not parse, are
    /// returned as they are. This is what the student is shown and copies.
    pub fn shown_command(&self, command: &str) -> String {
        let Ok(Action::Run(spec) | Action::Create(spec)) =
            crate::command::parse(command, Some("."))
        else {
            return command.to_string();
        };
        let mapped = self.resolve(&spec.image);
        if mapped == spec.image {
            return command.to_string();
        }
        let Ok(words) = crate::command::tokenize::tokenize(command, Some(".")) else {
            return command.to_string();
        };
        // The image is the word followed by exactly the command's own words.
        let Some(index) = (0..words.len())
            .find(|&i| words[i] == spec.image && words[i + 1..] == spec.command[..])
        else {
            return command.to_string();
        };
        // The same word in the text as written: words are separated by blanks, and the words
        // before the image (options) are rarely quoted; where they are, nothing is changed.
        let raw: Vec<(usize, &str)> = command
            .split_whitespace()
            .filter(|w| *w != "\\")
            .map(|w| (w.as_ptr() as usize - command.as_ptr() as usize, w))
            .collect();
        match raw.get(index) {
            Some((at, word)) if *word == spec.image => {
                format!("{}{mapped}{}", &command[..*at], &command[at + word.len()..])
            }
            _ => command.to_string(),
        }
    }

    pub fn extend(&mut self, other: &ImageMap) {
        for (k, v) in &other.0 {
            self.0.insert(k.clone(), v.clone());
        }
    }
}

/// `docker.io/library/alpine` is `alpine`.
fn strip_default_registry(image: &str) -> &str {
    image
        .strip_prefix("docker.io/library/")
        .or_else(|| image.strip_prefix("docker.io/"))
        .unwrap_or(image)
}

/// `alpine` -> `alpine:latest`; references with a tag or digest are kept.
fn normalize(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    if last.contains(':') || last.contains('@') {
        image.to_string()
    } else {
        format!("{image}:latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_with_and_without_tag() {
        let map = ImageMap::parse_entries("alpine:latest=fx/busybox:1, nginx=fx/web:1").unwrap();
        assert_eq!(map.resolve("alpine"), "fx/busybox:1");
        assert_eq!(map.resolve("alpine:latest"), "fx/busybox:1");
        assert_eq!(map.resolve("nginx:latest"), "fx/web:1");
        assert_eq!(map.resolve("alpine:3.19"), "alpine:3.19");
        assert_eq!(map.resolve("registry:5000/x"), "registry:5000/x");
    }

    #[test]
    fn mapped_images_count_as_the_original() {
        let map = ImageMap::parse_entries("alpine:latest=fx/busybox:1").unwrap();
        assert!(map.accepts("alpine:latest", "fx/busybox:1"));
        assert!(map.accepts("alpine", "docker.io/library/alpine:latest"));
        assert!(map.accepts("alpine:latest", "alpine"));
        assert!(!map.accepts("alpine:latest", "nginx:latest"));
        assert!(!map.accepts("alpine:latest", "fx/web:1"));
    }

    #[test]
    fn shown_commands_name_the_mapped_image() {
        let map = ImageMap::parse_entries("alpine:latest=fx/busybox:1,nginx=fx/web:1").unwrap();
        let table = [
            (
                "docker run --rm --name alpine -v alpine:/data alpine:latest cat /data/x",
                "docker run --rm --name alpine -v alpine:/data fx/busybox:1 cat /data/x",
            ),
            (
                "docker run -d --name db-writer alpine:latest /bin/sh -c \"echo 'a b' > /x && sleep 1\"",
                "docker run -d --name db-writer fx/busybox:1 /bin/sh -c \"echo 'a b' > /x && sleep 1\"",
            ),
            (
                "docker run -d -p 8080:80 --name web nginx",
                "docker run -d -p 8080:80 --name web fx/web:1",
            ),
            (
                "docker run -d \\\n  --name w \\\n  alpine:latest sleep 9",
                "docker run -d \\\n  --name w \\\n  fx/busybox:1 sleep 9",
            ),
            ("docker run alpine:3.19 true", "docker run alpine:3.19 true"),
            (
                "docker network create alpine",
                "docker network create alpine",
            ),
        ];
        for (given, shown) in table {
            assert_eq!(map.shown_command(given), shown, "{given}");
        }
    }

    #[test]
    fn rejects_malformed_entries() {
        assert!(ImageMap::parse_entries("alpine").is_err());
        assert!(ImageMap::parse_entries("=x").is_err());
    }
}
