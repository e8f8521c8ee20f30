//! Output files: the result directory, and files that appear whole or not at all.
//!
//! Every result file is written to a hidden temporary file in the output directory and renamed
//! into place when complete ([`AtomicFile`]). Files streamed during a run (one row per
//! replication) stay temporary until the run has finished, and are deleted if it fails, so an
//! interrupted or failed run never leaves half-written results. `summary.json` is renamed last:
//! its presence means the other files of the run are complete.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

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
        "output directory {} is not empty; choose another --out or pass --force to overwrite its results",
        .0.display()
    )]
    NotEmpty(PathBuf),
    /// It is a file.
    #[error("output path {} exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// It cannot be read or created.
    #[error("cannot use output directory {}", .path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// A directory that results may be written to.
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Checks that `path` is a directory that is empty (or may be overwritten, with `force`) or
    /// does not exist yet, and creates it. Call before any work, so that a run refuses early.
    pub fn claim(path: &Path, force: bool) -> Result<OutputDir, OutputDirError> {
        let io_err = |source| OutputDirError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(OutputDirError::NotADirectory(path.to_path_buf()));
            }
            Ok(_) => {
                let mut entries = std::fs::read_dir(path).map_err(io_err)?;
                if !force && entries.next().is_some() {
                    return Err(OutputDirError::NotEmpty(path.to_path_buf()));
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                std::fs::create_dir_all(path).map_err(io_err)?;
            }
            Err(err) => return Err(io_err(err)),
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts writing the file `name` in this directory.
    pub fn create(&self, name: &str) -> io::Result<AtomicFile> {
        AtomicFile::create(&self.path.join(name))
    }
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

    #[test]
    fn claim_refuses_non_empty_directories_unless_forced() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        OutputDir::claim(&out, false).unwrap();
        assert!(out.is_dir());
        OutputDir::claim(&out, false).unwrap();
        std::fs::write(out.join("x"), "x").unwrap();
        let err = OutputDir::claim(&out, false).unwrap_err();
        assert!(err.to_string().contains("is not empty"), "{err}");
        OutputDir::claim(&out, true).unwrap();
        let file = out.join("x");
        assert!(matches!(
            OutputDir::claim(&file, true),
            Err(OutputDirError::NotADirectory(_))
        ));
    }
}
