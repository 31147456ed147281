//! Image substitution for offline classrooms: `--image-map alpine:latest=local/busybox:1`.

use std::collections::BTreeMap;

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

    pub fn extend(&mut self, other: &ImageMap) {
        for (k, v) in &other.0 {
            self.0.insert(k.clone(), v.clone());
        }
    }
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
    fn rejects_malformed_entries() {
        assert!(ImageMap::parse_entries("alpine").is_err());
        assert!(ImageMap::parse_entries("=x").is_err());
    }
}
