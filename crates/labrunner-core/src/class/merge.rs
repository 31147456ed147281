//! Joining the out-folders of several shards into one.

use super::*;

/// The result of joining shards.
#[derive(Debug, Clone)]
pub struct MergeSummary {
    pub records: Vec<StudentRecord>,
    /// On the roster, in no folder.
    pub missing: Vec<String>,
    /// In a folder, not on the roster (left out of the gradebook).
    pub unknown: Vec<String>,
}

/// Join the records of several shards' out-dirs into `out`: one gradebook and merged reports
/// for the whole roster. A student found in two folders must have the same result in both.
pub fn merge(
    lab: &Lab,
    roster: &[Student],
    shards: &[OutDir],
    out: &OutDir,
) -> Result<MergeSummary, ClassError> {
    let mut found: BTreeMap<String, (PathBuf, StudentRecord)> = BTreeMap::new();
    for shard in shards {
        for (student, (path, record)) in shard.read_records()? {
            if record.lab_id != lab.id {
                return Err(ClassError::OtherLab {
                    path,
                    found: record.lab_id,
                    expected: lab.id.clone(),
                });
            }
            if let Some((first, earlier)) = found.get(&student) {
                if !same_result(earlier, &record) {
                    return Err(ClassError::ConflictingRecords {
                        student,
                        first: first.clone(),
                        second: path,
                    });
                }
                continue;
            }
            found.insert(student, (path, record));
        }
    }
    let on_roster: BTreeSet<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    let unknown = found
        .keys()
        .filter(|s| !on_roster.contains(s.as_str()))
        .cloned()
        .collect();
    let missing = roster
        .iter()
        .filter(|s| !found.contains_key(&s.id))
        .map(|s| s.id.clone())
        .collect();
    let records: Vec<StudentRecord> = roster
        .iter()
        .filter_map(|s| found.remove(&s.id).map(|(_, r)| r))
        .collect();
    let ids: Vec<&str> = roster.iter().map(|s| s.id.as_str()).collect();
    write_class_files(out, lab, &ids, &records, None)?;
    Ok(MergeSummary {
        records,
        missing,
        unknown,
    })
}

/// Two records of one student agree: same submission, same points per check, same status.
pub(super) fn same_result(a: &StudentRecord, b: &StudentRecord) -> bool {
    let points = |r: &StudentRecord| match &r.outcome {
        Outcome::Graded { report } => Some(
            report
                .checks()
                .map(|c| (c.score, c.status))
                .collect::<Vec<_>>(),
        ),
        Outcome::Error { .. } => None,
    };
    a.submission == b.submission && points(a) == points(b)
}
