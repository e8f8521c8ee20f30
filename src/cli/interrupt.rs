//! SIGINT, SIGTERM and SIGHUP: the command stops at once, and no result directory is left
//! half-written.
//!
//! Every command writes its results into a staging directory and swaps it into place at the end
//! (`corridor::report::ResultDir`). On the first signal a watcher thread calls
//! `corridor::report::files::abandon_all`, which waits for a swap in progress, deletes every
//! staging directory (and so every temporary file) and lets no later swap happen, then ends the
//! process with the usual status 128 + signal number. The worker threads stop with the process:
//! whatever phase the command is in (simulation, writing files, drawing charts, a merge's
//! replay), `--out` keeps its previous results, or holds the complete new ones if the swap had
//! already happened. Ending the process from the watcher, rather than setting a flag that every
//! loop would have to poll, leaves no phase that could delay the stop.

/// Starts the watcher thread. A failure to install it is not fatal: the default action of the
/// signals (ending the process) leaves the same guarantee, with the staging directory behind.
pub fn install() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        use signal_hook::iterator::Signals;
        let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        let spawned = std::thread::Builder::new()
            .name("corridor-signals".into())
            .spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    let dropped = corridor::report::abandon_all();
                    let name = match signal {
                        SIGINT => "SIGINT",
                        SIGTERM => "SIGTERM",
                        _ => "SIGHUP",
                    };
                    let mut message = format!("\ninterrupted ({name})");
                    for target in &dropped {
                        message.push_str(&format!(
                            "; the unfinished results were removed and {} is as it was",
                            super::terminal_safe(&target.display().to_string())
                        ));
                    }
                    eprintln!("{message}");
                    std::process::exit(128 + signal);
                }
            });
        drop(spawned);
    }
}
