//! Output files: the result directory, and files that appear whole or not at all.
//!
//! Every result file is written to a hidden temporary file and renamed into place when complete
//! ([`AtomicFile`]). A whole result directory is written the same way ([`ResultDir`]): every file
//! of a run (tables, `summary.json`, charts, `report.html`) goes into a sibling staging directory
//! `.<name>.tmp-<host>-<pid>` next to `--out`, and [`ResultDir::commit`] swaps it with `--out` in
//! one atomic rename (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere two renames through
//! `.<name>.old-<host>-<pid>`), then deletes the previous results. So whatever stops a command
//! (an error, SIGINT, SIGTERM, even SIGKILL), `--out` holds either its complete previous results
//! or the complete new ones, never a mix, and what is left beside it has a name that says whose
//! it was. A later command on the same `--out` removes such leftovers of a process of this
//! machine that no longer runs, and names the ones it cannot judge ([`ResultDir::notes`]).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A file written under a temporary name and renamed to its final name by [`AtomicFile::commit`].
/// Dropped without a commit, the temporary file is deleted.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing the file that will be `path`.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("output");
        let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        let file = File::create(&tmp)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            file: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, syncs and renames the file to its final name.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let file = self.file.take().expect("an uncommitted file is open");
        let result = (|| {
            let file = file.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&self.tmp, &self.path)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result.map(|()| self.path.clone())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file
            .as_mut()
            .expect("an uncommitted file is open")
            .write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("an uncommitted file is open")
            .write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file
            .as_mut()
            .expect("an uncommitted file is open")
            .flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// that readers see either the old file or the whole new one, never a half-written file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(contents)?;
    file.commit().map(|_| ())
}

/// Why an output directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OutputDirError {
    /// It holds files already.
    #[error(
        "output directory {} is not empty; choose another --out or pass --force to replace its results",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// `--force` was given, but the directory holds a directory (or a special file) that
    /// Corridor does not write.
    #[error(
        "output directory {} holds {}, which Corridor does not write; --force replaces the results and keeps other plain files, but not other directories: move it away or choose another --out",
        .path.display(), .entry
    )]
    Foreign {
        /// The directory.
        path: PathBuf,
        /// The first entry that is not a result file.
        entry: String,
    },
    /// It is a file.
    #[error("output path {} exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// It has no name or no parent to write its staging directory into (`/`, `..`).
    #[error("output path {} cannot be used: it needs a parent directory and a name", .0.display())]
    NoParent(PathBuf),
    /// An interrupted earlier run left both its new results and the previous ones beside the
    /// directory, and the directory itself is gone.
    #[error(
        "output directory {target} is missing: an interrupted run (pid {pid}) left the new results in {staging} and the previous ones in {old}; keep the new ones with `mv {staging} {target} && rm -r {old}`, or the previous ones with `mv {old} {target} && rm -r {staging}`",
        target = .target.display(), staging = .staging.display(), old = .old.display()
    )]
    HalfSwapped {
        /// `--out`.
        target: PathBuf,
        /// The complete new results.
        staging: PathBuf,
        /// The complete previous results.
        old: PathBuf,
        /// The process that was interrupted.
        pid: u32,
    },
    /// The process is being stopped by a signal; nothing more is written.
    #[error("interrupted")]
    Interrupted,
    /// It cannot be read or created.
    #[error("cannot use output directory {}", .path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// A directory that result files are written to: the staging directory of a [`ResultDir`].
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts writing the file `name` in this directory.
    pub fn create(&self, name: &str) -> io::Result<AtomicFile> {
        AtomicFile::create(&self.path.join(name))
    }
}

/// Staging directories (and previous results being deleted) of this process, for
/// [`abandon_all`]; its lock also makes [`ResultDir::commit`]'s swap and [`abandon_all`]
/// exclude each other.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Set by [`abandon_all`]: no result directory is claimed or committed any more.
static ABANDONED: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes `dir` and everything in it, retrying while other threads of this process may still
/// be creating files in it.
fn remove_tree(dir: &Path) {
    for _ in 0..20 {
        match std::fs::remove_dir_all(dir) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            _ => return,
        }
    }
}

/// For a signal handler that is about to end the process: stops every later claim and commit,
/// waits for a commit in progress to finish, and deletes every staging directory of this process
/// (so no result directory is touched any more). Returns the `--out` directories whose new
/// results were dropped (each still holds its previous results, or does not exist).
pub fn abandon_all() -> Vec<PathBuf> {
    ABANDONED.store(true, Ordering::SeqCst);
    let mut live = live();
    let mut dropped = Vec::new();
    for dir in live.drain(..) {
        if let Some(target) = staging_target(&dir) {
            dropped.push(target);
        }
        remove_tree(&dir);
    }
    // The lock is held until the process ends: a commit that starts now waits forever.
    std::mem::forget(live);
    dropped
}

/// The `--out` a staging directory of this process belongs to (`None` for previous results
/// being deleted after a commit).
fn staging_target(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_str()?;
    let rest = name.strip_prefix('.')?;
    let (target, _) = rest.rsplit_once(&format!(".tmp-{}", process_tag()))?;
    Some(dir.with_file_name(target))
}

/// `<host>-<pid>` of this process, the suffix of its staging directories.
fn process_tag() -> String {
    format!("{}-{}", hostname(), std::process::id())
}

fn hostname() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "host".into()
    } else {
        clean
    }
}

/// Whether process `pid` runs on this machine. Unknown counts as running.
fn process_runs(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

/// Swaps two directory entries atomically where the system can; `false` if it cannot (the
/// caller then renames twice).
fn exchange(a: &Path, b: &Path) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let c = |p: &Path| {
            CString::new(p.as_os_str().as_bytes())
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path holds a NUL"))
        };
        let (ca, cb) = (c(a)?, c(b)?);
        // SAFETY: both paths are valid NUL-terminated strings that live across the call.
        let result = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if result == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::ENOTSUP) => Ok(false),
            _ => Err(err),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// Whether an entry of an existing `--out` is something Corridor writes (so `--force` may replace
/// it): a result file (`*.csv`, `*.json`, `*.html`, `*.jsonl.gz`), a temporary file of an
/// earlier version (`.<file>.tmp-<pid>`), or the `charts` directory of SVG and PNG files.
fn is_result_entry(dir: &Path, entry: &std::fs::DirEntry) -> io::Result<bool> {
    let name = entry.file_name();
    let Some(name) = name.to_str() else {
        return Ok(false);
    };
    let kind = entry.file_type()?;
    if kind.is_dir() && name == "charts" {
        for chart in std::fs::read_dir(dir.join(name))? {
            let chart = chart?;
            let chart_name = chart.file_name();
            let ok = chart.file_type()?.is_file()
                && chart_name
                    .to_str()
                    .is_some_and(|n| n.ends_with(".svg") || n.ends_with(".png") || is_tmp(n));
            if !ok {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    Ok(kind.is_file()
        && ([".csv", ".json", ".html", ".jsonl.gz"]
            .iter()
            .any(|ext| name.ends_with(ext))
            || is_tmp(name)))
}

fn is_tmp(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rsplit_once(".tmp-")
            .is_some_and(|(_, pid)| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
}

/// A result directory being written: files go to a staging directory beside `--out`, and
/// [`ResultDir::commit`] puts the whole set in place at once. Dropped without a commit (an
/// error), the staging directory is deleted and `--out` is left as it was.
#[derive(Debug)]
pub struct ResultDir {
    /// `--out` as given, for messages.
    target: PathBuf,
    /// `--out`, absolute, symbolic links resolved.
    absolute: PathBuf,
    staging: OutputDir,
    notes: Vec<String>,
    committed: bool,
}

impl ResultDir {
    /// Claims `target` for new results: it must be absent, an empty directory, or (with `force`)
    /// a directory whose result files (and charts) the new results replace as a whole; its other
    /// plain files are kept, and a directory holding other directories is refused (so `--force`
    /// can never swap away a home directory). Call before any work, so that a command refuses
    /// early.
    pub fn claim(target: &Path, force: bool) -> Result<ResultDir, OutputDirError> {
        let given = target;
        let (target, notes) = Self::prepare(given)?;
        let mut replaced = Vec::new();
        let io_err = |source| OutputDirError::Io {
            path: given.to_path_buf(),
            source,
        };
        match std::fs::metadata(&target) {
            Ok(meta) if !meta.is_dir() => {
                return Err(OutputDirError::NotADirectory(given.to_path_buf()));
            }
            Ok(_) => {
                for entry in std::fs::read_dir(&target).map_err(io_err)? {
                    let entry = entry.map_err(io_err)?;
                    if !force {
                        return Err(OutputDirError::NotEmpty(given.to_path_buf()));
                    }
                    if is_result_entry(&target, &entry).map_err(io_err)? {
                        replaced.push(entry.file_name().to_string_lossy().into_owned());
                    } else if !entry.file_type().map_err(io_err)?.is_file() {
                        return Err(OutputDirError::Foreign {
                            path: given.to_path_buf(),
                            entry: format!("{:?}", entry.file_name()),
                        });
                    }
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(io_err(err)),
        }
        if replaced.is_empty() && !target.is_dir() {
            return Self::stage(given, target, notes, None);
        }
        // The new set keeps the other plain files of the directory (hard links).
        let replaced: Vec<&str> = replaced.iter().map(String::as_str).collect();
        let source = target.clone();
        Self::stage(given, target, notes, Some((&source, &replaced)))
    }

    /// Opens the existing result directory `target` for an update: the new set starts as the
    /// current one (hard links, or copies where links are impossible) without the entries
    /// `replaced`, which the caller writes anew (`corridor plot`: `charts` and `report.html`).
    pub fn update(target: &Path, replaced: &[&str]) -> Result<ResultDir, OutputDirError> {
        let given = target;
        let (target, notes) = Self::prepare(given)?;
        match std::fs::metadata(&target) {
            Ok(meta) if !meta.is_dir() => Err(OutputDirError::NotADirectory(given.to_path_buf())),
            Ok(_) => Self::stage(given, target.clone(), notes, Some((&target, replaced))),
            Err(source) => Err(OutputDirError::Io {
                path: given.to_path_buf(),
                source,
            }),
        }
    }

    /// The absolute `--out` (symbolic links resolved), after dealing with leftovers beside it.
    fn prepare(target: &Path) -> Result<(PathBuf, Vec<String>), OutputDirError> {
        if ABANDONED.load(Ordering::SeqCst) {
            return Err(OutputDirError::Interrupted);
        }
        let absolute = std::path::absolute(target).map_err(|source| OutputDirError::Io {
            path: target.to_path_buf(),
            source,
        })?;
        let absolute = std::fs::canonicalize(&absolute).unwrap_or(absolute);
        let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
            return Err(OutputDirError::NoParent(target.to_path_buf()));
        };
        let name = name.to_string_lossy().into_owned();
        let notes = leftovers(parent, &name, &absolute)?;
        Ok((absolute, notes))
    }

    fn stage(
        given: &Path,
        target: PathBuf,
        notes: Vec<String>,
        from: Option<(&Path, &[&str])>,
    ) -> Result<ResultDir, OutputDirError> {
        let name = target
            .file_name()
            .expect("prepare checked the name")
            .to_string_lossy()
            .into_owned();
        let staging = target.with_file_name(format!(".{name}.tmp-{}", process_tag()));
        let io_err = |path: &Path, source| OutputDirError::Io {
            path: path.to_path_buf(),
            source,
        };
        {
            let mut live = live();
            if ABANDONED.load(Ordering::SeqCst) {
                return Err(OutputDirError::Interrupted);
            }
            if staging.exists() {
                // A second result directory for the same --out in this process.
                remove_tree(&staging);
            }
            if let Some(parent) = staging.parent() {
                // --out may be several levels below an existing directory.
                std::fs::create_dir_all(parent).map_err(|e| io_err(given, e))?;
            }
            std::fs::create_dir(&staging).map_err(|e| io_err(&staging, e))?;
            live.push(staging.clone());
        }
        let dir = ResultDir {
            target: given.to_path_buf(),
            absolute: target,
            staging: OutputDir { path: staging },
            notes,
            committed: false,
        };
        if let Some((source, replaced)) = from {
            link_tree(source, dir.staging.path(), replaced)
                .map_err(|e| io_err(dir.staging.path(), e))?;
        }
        Ok(dir)
    }

    /// Where the files go until the commit.
    pub fn dir(&self) -> &OutputDir {
        &self.staging
    }

    /// `--out` as given.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// What was found beside `--out` when it was claimed: leftovers of interrupted runs that
    /// were removed, or that were left because their process may still run.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Puts the new results in place of `--out` at once, then deletes the previous ones.
    /// Returns `--out` as given.
    pub fn commit(mut self) -> io::Result<PathBuf> {
        let staging = self.staging.path.clone();
        let garbage = {
            let mut live = live();
            if ABANDONED.load(Ordering::SeqCst) {
                return Err(io::Error::other("interrupted"));
            }
            let garbage = match std::fs::symlink_metadata(&self.absolute) {
                Ok(_) => {
                    if exchange(&staging, &self.absolute)? {
                        Some(staging.clone())
                    } else {
                        let name = self
                            .target
                            .file_name()
                            .unwrap_or_default()
                            .to_string_lossy();
                        let old = self
                            .target
                            .with_file_name(format!(".{name}.old-{}", process_tag()));
                        std::fs::rename(&self.absolute, &old)?;
                        std::fs::rename(&staging, &self.absolute)?;
                        Some(old)
                    }
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    std::fs::rename(&staging, &self.absolute)?;
                    None
                }
                Err(err) => return Err(err),
            };
            live.retain(|p| p != &staging);
            if let Some(garbage) = &garbage {
                live.push(garbage.clone());
            }
            self.committed = true;
            garbage
        };
        if let Some(garbage) = garbage {
            remove_tree(&garbage);
            live().retain(|p| p != &garbage);
        }
        Ok(self.target.clone())
    }
}

impl Drop for ResultDir {
    fn drop(&mut self) {
        if !self.committed {
            let mut live = live();
            if live.contains(&self.staging.path) {
                remove_tree(&self.staging.path);
                live.retain(|p| p != &self.staging.path);
            }
        }
    }
}

/// Fills `to` with the entries of `from` but `skip`: hard links to its files (copies where a
/// link fails), the same for sub-directories.
fn link_tree(from: &Path, to: &Path, skip: &[&str]) -> io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| skip.contains(&n)) {
            continue;
        }
        let (source, dest) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            std::fs::create_dir(&dest)?;
            link_tree(&source, &dest, &[])?;
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(&source)?, &dest)?;
            #[cfg(not(unix))]
            std::fs::copy(&source, &dest).map(|_| ())?;
        } else if std::fs::hard_link(&source, &dest).is_err() {
            std::fs::copy(&source, &dest)?;
        }
    }
    Ok(())
}

/// Deals with what interrupted runs left beside `target` (named `.<name>.tmp-<host>-<pid>` or
/// `.<name>.old-<host>-<pid>`): removes those of a process of this machine that no longer runs
/// (staging directories, and previous results whose replacement is in place) and describes
/// what it removed or left. A target that is missing while both the new and the previous results
/// of one interrupted run are beside it is an error that says how to recover.
fn leftovers(parent: &Path, name: &str, target: &Path) -> Result<Vec<String>, OutputDirError> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(Vec::new());
    };
    let host = hostname();
    let (tmp_prefix, old_prefix) = (format!(".{name}.tmp-"), format!(".{name}.old-"));
    let mut found: Vec<(PathBuf, bool, String, u32)> = Vec::new();
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        let (is_old, tag) = if let Some(tag) = file_name.strip_prefix(&tmp_prefix) {
            (false, tag)
        } else if let Some(tag) = file_name.strip_prefix(&old_prefix) {
            (true, tag)
        } else {
            continue;
        };
        let Some((entry_host, pid)) = tag.rsplit_once('-') else {
            continue;
        };
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        found.push((entry.path(), is_old, entry_host.to_string(), pid));
    }
    found.sort();
    let target_exists = std::fs::symlink_metadata(target).is_ok();
    let mut notes = Vec::new();
    for (path, is_old, entry_host, pid) in &found {
        let stale = *entry_host == host && !process_runs(*pid);
        if !stale {
            notes.push(format!(
                "{} belongs to corridor process {pid} on {entry_host}, which may still be writing {}; if it is not, remove it with `rm -r {}`",
                path.display(),
                target.display(),
                path.display()
            ));
            continue;
        }
        if *is_old && !target_exists {
            let staging = found
                .iter()
                .find(|(_, o, h, p)| !*o && h == entry_host && p == pid)
                .map(|(p, ..)| p.clone());
            if let Some(staging) = staging {
                return Err(OutputDirError::HalfSwapped {
                    target: target.to_path_buf(),
                    staging,
                    old: path.clone(),
                    pid: *pid,
                });
            }
            // Only the previous results survive: put them back.
            std::fs::rename(path, target).map_err(|source| OutputDirError::Io {
                path: path.clone(),
                source,
            })?;
            notes.push(format!(
                "restored the previous results of {} from {} (left by interrupted process {pid})",
                target.display(),
                path.display()
            ));
            continue;
        }
        remove_tree(path);
        notes.push(format!(
            "removed {}, left by corridor process {pid}, which was interrupted",
            path.display()
        ));
    }
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_files_vanish_and_committed_ones_appear_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        {
            let mut file = AtomicFile::create(&path).unwrap();
            file.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"whole").unwrap();
        assert!(!path.exists());
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn claim_refuses_non_empty_directories_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        drop(ResultDir::claim(&out, false).unwrap());
        // Nothing is created until the commit, and an abandoned claim leaves nothing.
        assert!(names(dir.path()).is_empty());
        std::fs::create_dir(&out).unwrap();
        drop(ResultDir::claim(&out, false).unwrap());
        std::fs::write(out.join("x.csv"), "x").unwrap();
        let err = ResultDir::claim(&out, false).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        drop(ResultDir::claim(&out, true).unwrap());
        let file = out.join("x.csv");
        assert!(matches!(
            ResultDir::claim(&file, true),
            Err(OutputDirError::NotADirectory(_))
        ));
        // --force never swaps away a directory holding a directory it did not write.
        std::fs::create_dir(out.join("mine")).unwrap();
        let err = ResultDir::claim(&out, true).unwrap_err();
        assert!(matches!(err, OutputDirError::Foreign { .. }), "{err}");
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn a_commit_replaces_the_results_whole_and_keeps_other_plain_files() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("old.csv"), "old").unwrap();
        std::fs::write(out.join("notes.txt"), "mine").unwrap();
        let result = ResultDir::claim(&out, true).unwrap();
        write_atomically(&result.dir().path().join("new.csv"), b"new").unwrap();
        // Until the commit, --out is untouched and the staging directory is beside it.
        assert_eq!(names(&out), ["notes.txt", "old.csv"]);
        assert_eq!(names(dir.path()).len(), 2);
        assert_eq!(result.commit().unwrap(), out);
        assert_eq!(names(&out), ["new.csv", "notes.txt"]);
        assert_eq!(
            std::fs::read_to_string(out.join("notes.txt")).unwrap(),
            "mine"
        );
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn leftovers_of_a_dead_process_are_removed_and_a_half_swap_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        // No process has pid 2^31 - 1 (above any pid_max); one of another host is left alone and named.
        let dead = dir
            .path()
            .join(format!(".out.tmp-{}-{}", hostname(), i32::MAX as u32));
        let foreign = dir.path().join(".out.tmp-elsewhere-12");
        std::fs::create_dir(&dead).unwrap();
        std::fs::create_dir(&foreign).unwrap();
        let result = ResultDir::claim(&out, false).unwrap();
        assert!(!dead.exists());
        assert!(foreign.exists());
        let notes = result.notes().join("\n");
        assert!(
            notes.contains("removed") && notes.contains(".out.tmp-"),
            "{notes}"
        );
        assert!(
            notes.contains("rm -r") && notes.contains("elsewhere"),
            "{notes}"
        );
        drop(result);
        std::fs::remove_dir(&foreign).unwrap();
        // --out missing, the new and the previous results of one dead process beside it.
        let tag = format!("{}-{}", hostname(), i32::MAX as u32);
        std::fs::rename(&out, dir.path().join(format!(".out.old-{tag}"))).unwrap();
        std::fs::create_dir(dir.path().join(format!(".out.tmp-{tag}"))).unwrap();
        let err = ResultDir::claim(&out, false).unwrap_err();
        assert!(matches!(err, OutputDirError::HalfSwapped { .. }), "{err}");
        assert!(err.to_string().contains("mv "), "{err}");
    }
}
