//! A wait the poller can cut short: `setTimeout` behind a promise whose `resolve` is kept,
//! so a visible tab, a retry or a countdown at zero can ask the API at once.

use js_sys::{Function, Promise};
use std::cell::RefCell;
use wasm_bindgen_futures::JsFuture;

/// Sleeps until a timer fires or [`Sleeper::wake`] is called, whichever comes first.
#[derive(Debug, Default)]
pub struct Sleeper {
    resolve: RefCell<Option<Function>>,
}

impl Sleeper {
    /// Waits `ms` milliseconds, or less if woken.
    pub async fn sleep(&self, ms: u32) {
        let timeout = i32::try_from(ms).unwrap_or(i32::MAX);
        let promise = Promise::new(&mut |resolve: Function, _reject| {
            if let Some(window) = web_sys::window() {
                // Without a timer the wait only ends by `wake`, which is still correct.
                let _ =
                    window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, timeout);
            }
            self.resolve.replace(Some(resolve));
        });
        // The promise never rejects.
        let _ = JsFuture::from(promise).await;
        self.resolve.replace(None);
    }

    /// Ends the current wait, if any.
    pub fn wake(&self) {
        if let Some(resolve) = self.resolve.take() {
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    }
}
