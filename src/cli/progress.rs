//! The progress bar: on stderr, only when stderr is a terminal and `--quiet` is off, so pipes and
//! log files never see it. Nothing is drawn until the total is known, so the first frame is an
//! empty bar, not a full one at 0/0.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar counting replications, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Where the bar is drawn once [`Progress::set_total`] has said how long it is.
    target: Mutex<Option<ProgressDrawTarget>>,
    /// Redraw on a timer (for the elapsed time and ETA), not only on changes.
    steady: bool,
}

impl Progress {
    /// A bar if `quiet` is off and stderr is a terminal.
    pub fn new(quiet: bool) -> Progress {
        Progress::counting(quiet, "replications")
    }

    /// A bar counting `unit` (e.g. `scenario variants`) if `quiet` is off and stderr is a
    /// terminal.
    pub fn counting(quiet: bool, unit: &str) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bar: None,
                target: Mutex::new(None),
                steady: false,
            };
        }
        Progress::drawn_on(ProgressDrawTarget::stderr(), unit, true)
    }

    /// A bar drawn on `target` from the first [`Progress::set_total`] on.
    fn drawn_on(target: ProgressDrawTarget, unit: &str, steady: bool) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(&format!(
            "{{elapsed_precise}} [{{wide_bar}}] {{pos}}/{{len}} {unit}, ETA {{eta}}"
        ))
        .expect("the template is valid")
        .progress_chars("=> ");
        bar.set_style(style);
        Progress {
            bar: Some(bar),
            target: Mutex::new(Some(target)),
            steady,
        }
    }

    /// Sets the number of replications planned; the bar appears with the first call.
    pub fn set_total(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            let target = self.target.lock().unwrap_or_else(|e| e.into_inner()).take();
            if let Some(target) = target {
                bar.set_draw_target(target);
                if self.steady {
                    bar.enable_steady_tick(Duration::from_millis(200));
                }
            }
        }
    }

    /// One more replication done.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use indicatif::{ProgressDrawTarget, TermLike};

    use super::Progress;

    /// A terminal that records what is written to it.
    #[derive(Debug, Default, Clone)]
    struct Recorder(Arc<Mutex<String>>);

    impl TermLike for Recorder {
        fn width(&self) -> u16 {
            60
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)?;
            self.write_str("\n")
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(s);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.write_str("<clear>")
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_frame_is_an_empty_bar_of_the_planned_total_not_a_full_bar_at_zero_of_zero() {
        let recorder = Recorder::default();
        // Without the timer, every change draws at once (the timer only adds redraws).
        let progress = Progress::drawn_on(
            ProgressDrawTarget::term_like(Box::new(recorder.clone())),
            "replications",
            false,
        );
        // Before the total is known (loading, claiming --out), nothing is drawn (the bar used
        // to draw a full bar at 0/0 here).
        progress.bar.as_ref().unwrap().tick();
        assert_eq!(*recorder.0.lock().unwrap(), "");
        progress.set_total(40);
        progress.bar.as_ref().unwrap().tick();
        let drawn = recorder.0.lock().unwrap().clone();
        assert!(drawn.contains(" 0/40 replications"), "{drawn:?}");
        assert!(!drawn.contains("0/0"), "{drawn:?}");
        assert!(
            !drawn.contains('='),
            "an empty bar has no = in it: {drawn:?}"
        );
        drop(progress);
    }
}
