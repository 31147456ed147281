//! A class's roster: a folder of submission files, one per student.

use super::*;

/// One student's submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    pub id: String,
    pub path: PathBuf,
}

/// The roster in a folder: every regular file (or link to one) not starting with `.`, sorted
/// by student id. Sub-folders, sockets, pipes and devices are not submissions and are left out.
pub fn read_roster(dir: &Path) -> Result<Vec<Student>, ClassError> {
    let err = |source| ClassError::Roster {
        path: dir.to_path_buf(),
        source,
    };
    let mut by_id: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let path = entry.map_err(err)?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let name = name
            .to_str()
            .ok_or_else(|| ClassError::NotUtf8Name { path: path.clone() })?;
        // Following links is fine: the folder is the grader's, and a link to anything other
        // than a regular file is left out here, before anything reads it.
        let is_file = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
        if name.starts_with('.') || !is_file {
            continue;
        }
        let id = student_id(name).to_string();
        if let Some(first) = by_id.get(&id) {
            let (first, second) = order(first.clone(), path);
            return Err(ClassError::DuplicateStudent {
                student: id,
                first,
                second,
            });
        }
        by_id.insert(id, path);
    }
    if by_id.is_empty() {
        return Err(ClassError::EmptyRoster(dir.to_path_buf()));
    }
    Ok(by_id
        .into_iter()
        .map(|(id, path)| Student { id, path })
        .collect())
}

pub(super) fn order(a: PathBuf, b: PathBuf) -> (PathBuf, PathBuf) {
    if a <= b { (a, b) } else { (b, a) }
}

/// A file name without its last extension (`alice.sh` -> `alice`, `bob` -> `bob`).
pub(super) fn student_id(file_name: &str) -> &str {
    match file_name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => file_name,
    }
}
