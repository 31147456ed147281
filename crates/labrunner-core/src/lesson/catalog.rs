//! The catalog of lessons and labs found under a content root (`lessons/*.md`,
//! `lessons/<LESSON>.quiz.yaml`, `labs/<LESSON>/*.yaml`).

use std::path::{Path, PathBuf};

use super::{LessonError, Quiz, load_quiz, title_of};
use crate::lab::LoadedLab;

/// A lab file as found: loaded, or broken with the reason.
#[derive(Debug, Clone)]
pub enum LabEntry {
    Ok(Box<LoadedLab>),
    Broken { path: PathBuf, error: String },
}

impl LabEntry {
    pub fn lab(&self) -> Option<&LoadedLab> {
        match self {
            LabEntry::Ok(l) => Some(l),
            LabEntry::Broken { .. } => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LessonEntry {
    pub id: String,
    pub title: String,
    /// The lesson markdown; `None` when only labs exist for this lesson id.
    pub markdown: Option<String>,
    pub quiz: Option<Result<Quiz, String>>,
    pub labs: Vec<LabEntry>,
}

/// Every lesson and lab below a content root.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub root: PathBuf,
    pub lessons: Vec<LessonEntry>,
}

/// Reads a lab file with the same validation `labrunner validate` does; an invalid lab gives
/// its first error as `line:column: message` (the list shows the file name).
pub fn load_lab(path: &Path) -> Result<LoadedLab, String> {
    match crate::validate::load_valid(path) {
        Ok((lab, _warnings)) => Ok(lab),
        Err(diagnostics) => {
            let count = diagnostics.iter().filter(|d| d.is_error()).count();
            let first = diagnostics
                .iter()
                .find(|d| d.is_error())
                .or(diagnostics.first());
            let text = first
                .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
                .unwrap_or_else(|| "invalid lab".to_string());
            Err(if count > 1 {
                format!("{text} (and {} more errors)", count - 1)
            } else {
                text
            })
        }
    }
}

/// Orders labs as the lesson first mentions their files (its lab table, usually); labs it does
/// not mention keep their file-name order, after the others.
fn order_as_mentioned(labs: &mut [LabEntry], markdown: &str) {
    labs.sort_by_key(|entry| {
        let path = match entry {
            LabEntry::Ok(l) => &l.path,
            LabEntry::Broken { path, .. } => path,
        };
        path.file_name()
            .and_then(|n| markdown.find(n.to_string_lossy().as_ref()))
            .unwrap_or(usize::MAX)
    });
}

/// The content root: `--root`/`LABRUNNER_ROOT` if given, else the current directory.
pub fn load_catalog(root: &Path) -> Result<Catalog, LessonError> {
    let mut lessons = load_lessons(&root.join("lessons"))?;
    add_labs(&root.join("labs"), &mut lessons)?;
    if lessons.is_empty() {
        return Err(LessonError::NoContent {
            root: root.to_path_buf(),
        });
    }
    Ok(Catalog {
        root: root.to_path_buf(),
        lessons,
    })
}

/// Every `lessons/*.md`, in file-name order, without labs yet. No folder, no lessons.
fn load_lessons(lessons_dir: &Path) -> Result<Vec<LessonEntry>, LessonError> {
    let mut lessons: Vec<LessonEntry> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(lessons_dir) {
        let mut paths: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        for path in paths {
            let Some(id) = path.file_stem().map(|s| s.to_string_lossy().to_string()) else {
                continue;
            };
            lessons.push(load_lesson(lessons_dir, &path, id)?);
        }
    }
    Ok(lessons)
}

/// One lesson's markdown, its title and the quiz next to it (`ID.quiz.yaml`), if any.
fn load_lesson(lessons_dir: &Path, path: &Path, id: String) -> Result<LessonEntry, LessonError> {
    let markdown = super::read_lesson(path)?;
    let title = title_of(&markdown).unwrap_or_else(|| id.clone());
    let quiz_path = lessons_dir.join(format!("{id}.quiz.yaml"));
    let quiz = quiz_path
        .exists()
        .then(|| load_quiz(&quiz_path).map_err(|e| e.to_string()));
    Ok(LessonEntry {
        id,
        title,
        markdown: Some(markdown),
        quiz,
        labs: Vec::new(),
    })
}

/// The labs of each `labs/LESSON/` folder, given to the lesson of that id, or as a lesson of
/// their own when there is no such lesson.
fn add_labs(labs_dir: &Path, lessons: &mut Vec<LessonEntry>) -> Result<(), LessonError> {
    let Ok(entries) = std::fs::read_dir(labs_dir) else {
        return Ok(());
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let lesson_id = dir
            .file_name()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let files = crate::lab::lab_files(&dir).map_err(|source| LessonError::Read {
            path: dir.clone(),
            source,
        })?;
        let labs: Vec<LabEntry> = files
            .into_iter()
            .map(|path| match load_lab(&path) {
                Ok(l) => LabEntry::Ok(Box::new(l)),
                Err(error) => LabEntry::Broken { path, error },
            })
            .collect();
        match lessons.iter_mut().find(|l| l.id == lesson_id) {
            Some(lesson) => {
                let mut labs = labs;
                if let Some(md) = &lesson.markdown {
                    order_as_mentioned(&mut labs, md);
                }
                lesson.labs = labs;
            }
            None => lessons.push(LessonEntry {
                title: lesson_id.clone(),
                id: lesson_id,
                markdown: None,
                quiz: None,
                labs,
            }),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labs_follow_the_order_the_lesson_mentions_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("lessons")).unwrap();
        std::fs::create_dir_all(dir.path().join("labs/L1")).unwrap();
        std::fs::write(
            dir.path().join("lessons/L1.md"),
            "# L\n\n[second](../labs/L1/b.yaml) then [first](../labs/L1/a.yaml)\n",
        )
        .unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(
                dir.path().join(format!("labs/L1/{name}.yaml")),
                "not: a lab",
            )
            .unwrap();
        }
        let catalog = load_catalog(dir.path()).unwrap();
        let names: Vec<String> = catalog.lessons[0]
            .labs
            .iter()
            .map(|e| match e {
                LabEntry::Ok(l) => l.path.display().to_string(),
                LabEntry::Broken { path, .. } => {
                    path.file_name().unwrap().to_string_lossy().to_string()
                }
            })
            .collect();
        assert_eq!(names, ["b.yaml", "a.yaml", "c.yaml"]);
    }

    #[test]
    fn catalog_reports_missing_content_and_broken_labs() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_catalog(dir.path()).unwrap_err();
        assert!(err.to_string().contains("--root"), "{err}");
        std::fs::create_dir_all(dir.path().join("lessons")).unwrap();
        std::fs::create_dir_all(dir.path().join("labs/L1")).unwrap();
        std::fs::write(dir.path().join("lessons/L1.md"), "# Lesson one\n").unwrap();
        std::fs::write(dir.path().join("labs/L1/broken.yaml"), "format: 1\nid: [").unwrap();
        let catalog = load_catalog(dir.path()).unwrap();
        assert_eq!(catalog.lessons.len(), 1);
        assert_eq!(catalog.lessons[0].title, "Lesson one");
        assert!(
            matches!(&catalog.lessons[0].labs[0], LabEntry::Broken { error, .. } if error.contains(':'))
        );
    }
}
