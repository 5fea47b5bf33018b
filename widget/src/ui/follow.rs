//! The state's view, built anew when the state changes: [`Follow`] mounts what a
//! function draws into an element and, whenever the signals that function read change,
//! replaces it with a fresh drawing (the old one's reactive owner is disposed first).
//!
//! Leptos would otherwise diff the new view against the old (`rebuild`), which for the
//! voucher's states (an `EitherOf5` of whole trees) compiled a second, in-place update
//! path for every element of every state: about 8 KB gzip of the widget's wasm. The state
//! changes a few times per visit, and each change shows a different tree, so drawing it
//! again costs nothing a shopper sees; what changes inside a state (the countdown, the
//! two-hour warning) still updates in place from its own signals.

use leptos::html::Div;
use leptos::prelude::*;
use leptos::reactive::effect::RenderEffect;
use leptos::tachys::renderer::types::{Element, Node};
use leptos::tachys::view::{Mountable, Render};
use wasm_bindgen::JsCast;

/// Draws `draw()` into the element of `into` once that element is built, and again each
/// time what `draw` read changes. Goes after the view holding that element (in a tuple),
/// so the element exists when this is built.
pub struct Follow<F> {
    into: NodeRef<Div>,
    draw: F,
}

impl<F> Follow<F> {
    pub fn new(into: NodeRef<Div>, draw: F) -> Self {
        Follow { into, draw }
    }
}

/// A [`Follow`] while it is live: the effect that keeps the drawing up to date (dropping
/// it stops the updates). Its nodes are inside the element it was given, which goes
/// with the view that holds it.
pub struct Following<S: 'static> {
    _effect: Option<RenderEffect<S>>,
}

impl<F, V> Render for Follow<F>
where
    F: Fn() -> V + 'static,
    V: Render,
    V::State: 'static,
{
    type State = Following<V::State>;

    fn build(self) -> Self::State {
        let Follow { into, draw } = self;
        let effect = into.get_untracked().map(|parent| {
            let parent: Element = parent.unchecked_into();
            RenderEffect::new(move |previous: Option<V::State>| {
                if let Some(mut previous) = previous {
                    previous.unmount();
                }
                let mut state = draw().build();
                state.mount(&parent, None);
                state
            })
        });
        Following { _effect: effect }
    }

    fn rebuild(self, _state: &mut Self::State) {
        // Built once, with the view around it; its effect does the updating.
    }
}

impl<S: 'static> Mountable for Following<S> {
    fn unmount(&mut self) {}

    fn mount(&mut self, _parent: &Element, _marker: Option<&Node>) {}

    fn insert_before_this(&self, _child: &mut dyn Mountable) -> bool {
        false
    }

    fn elements(&self) -> Vec<Element> {
        Vec::new()
    }
}
