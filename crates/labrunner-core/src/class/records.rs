//! The out-folder: each student's record, reports, the class files, written atomically.

use super::*;

/// Largest record file read back (records are small; a bigger file is not one of ours).
pub(super) const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// What became of one student, as stored in `records/<student>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentRecord {
    pub student: String,
    pub lab_id: String,
    /// Fingerprint of the submitted commands: a re-run grades the student again when it changed.
    pub submission: String,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// What cleanup could not remove (should be empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    Graded {
        report: GradeReport,
    },
    /// Could not be graded: an unreadable or oversized submission, the daemon, the time limit.
    Error {
        error: String,
    },
}

impl StudentRecord {
    pub(super) fn result(&self) -> StudentResult<'_> {
        StudentResult {
            student: &self.student,
            outcome: match &self.outcome {
                Outcome::Graded { report } => StudentOutcome::Graded(report),
                Outcome::Error { error } => StudentOutcome::Error(error),
            },
        }
    }
}

pub(super) fn fingerprint(commands: &[SubmittedCommand]) -> String {
    let mut bytes = Vec::new();
    for c in commands {
        bytes.extend_from_slice(c.line.to_string().as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(c.text.as_bytes());
        bytes.push(0);
    }
    format!("{:016x}", fnv1a(&bytes))
}

/// The layout of a class's results folder; the one place that names its files.
#[derive(Debug, Clone)]
pub struct OutDir {
    pub root: PathBuf,
}

impl OutDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        OutDir { root: root.into() }
    }
    pub fn records(&self) -> PathBuf {
        self.root.join("records")
    }
    pub fn record(&self, student: &str) -> PathBuf {
        self.records().join(format!("{student}.json"))
    }
    pub fn report(&self, student: &str, format: Format) -> PathBuf {
        self.root.join(format!("{student}.{}", format.extension()))
    }
    pub fn gradebook(&self) -> PathBuf {
        self.root.join("gradebook.csv")
    }
    pub fn junit(&self) -> PathBuf {
        self.root.join("class.junit.xml")
    }
    pub fn ctrf(&self) -> PathBuf {
        self.root.join("class.ctrf.json")
    }

    /// Every student's reports have a file name of their own, apart from the class files.
    pub fn check_names(&self, roster: &[Student], formats: &[Format]) -> Result<(), ClassError> {
        let mut owner: BTreeMap<PathBuf, String> = BTreeMap::new();
        for class_file in [self.gradebook(), self.junit(), self.ctrf(), self.records()] {
            owner.insert(class_file, "(the class files)".to_string());
        }
        for s in roster {
            for f in formats {
                let file = self.report(&s.id, *f);
                if let Some(first) = owner.insert(file.clone(), s.id.clone()) {
                    return Err(ClassError::OutputClash {
                        first,
                        second: s.id.clone(),
                        file: file.display().to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The record of a student, if there is a readable one.
    pub fn read_record(&self, student: &str) -> Result<Option<StudentRecord>, ClassError> {
        let path = self.record(student);
        if !path.exists() {
            return Ok(None);
        }
        read_record(&path).map(Some)
    }

    /// Every record in the folder, by student.
    pub fn read_records(&self) -> Result<BTreeMap<String, (PathBuf, StudentRecord)>, ClassError> {
        let dir = self.records();
        let mut out = BTreeMap::new();
        if !dir.is_dir() {
            return Ok(out);
        }
        let err = |source| ClassError::Read {
            path: dir.clone(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(err)?
            .map(|e| e.map(|e| e.path()).map_err(err))
            .collect::<Result<_, _>>()?;
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|e| e == "json") {
                let record = read_record(&path)?;
                out.insert(record.student.clone(), (path, record));
            }
        }
        Ok(out)
    }
}

pub(super) fn read_record(path: &Path) -> Result<StudentRecord, ClassError> {
    let read_err = |source| ClassError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(read_err)?
        .take(MAX_RECORD_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read_err)?;
    if text.len() as u64 > MAX_RECORD_BYTES {
        return Err(ClassError::BadRecord {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_RECORD_BYTES} bytes"),
        });
    }
    let mut record: StudentRecord =
        serde_json::from_str(&text).map_err(|e| ClassError::BadRecord {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if let Outcome::Graded { report } = &mut record.outcome {
        report.mark_unearned();
    }
    Ok(record)
}

/// Write a file whole or not at all ([`crate::atomic::write_atomic`]), making its folder first.
pub(crate) fn write_atomic(path: &Path, content: &[u8]) -> Result<(), ClassError> {
    let err = |source| ClassError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    crate::atomic::write_atomic(path, ".", content).map_err(|e| err(e.source))
}
