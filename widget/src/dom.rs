//! The few DOM calls the refund page makes, typed, in one place, and a small builder over
//! them (the voucher is drawn by the Leptos views of `vale_views`).
//!
//! The bindings below are declared without `catch`: each is called only with names and
//! values that cannot make the DOM throw (static tag and attribute names, nodes made by
//! this module), so there is no `Result` to carry and no error path that could be taken.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Element, Event, Node};

#[wasm_bindgen]
extern "C" {
    /// `document`, for the element factory.
    type Doc;
    #[wasm_bindgen(thread_local_v2, js_name = document)]
    static DOCUMENT: Doc;
    #[wasm_bindgen(method, js_name = createElement)]
    fn create(this: &Doc, tag: &str) -> Element;

    /// An element, seen through the calls that cannot throw as this module makes them.
    type Raw;
    #[wasm_bindgen(method, js_name = setAttribute)]
    fn set(this: &Raw, name: &str, value: &str);
    #[wasm_bindgen(method, js_name = removeAttribute)]
    fn unset(this: &Raw, name: &str);
    #[wasm_bindgen(method, js_name = append)]
    fn append_node(this: &Raw, node: &Node);
    #[wasm_bindgen(method, js_name = append)]
    fn append_text(this: &Raw, text: &str);
    #[wasm_bindgen(method, js_name = replaceChildren)]
    fn clear(this: &Raw);
    #[wasm_bindgen(method, js_name = addEventListener)]
    fn listen(this: &Raw, name: &str, f: &js_sys::Function);
    #[wasm_bindgen(method, setter = textContent)]
    fn set_text_content(this: &Raw, text: &str);
    #[wasm_bindgen(method, js_name = toggleAttribute)]
    fn toggle(this: &Raw, name: &str, on: bool);
}

/// Event handlers of a view, alive as long as it is: dropped (and so released) when the
/// view is rebuilt or the widget unmounts. Clones share one list (a handler may add
/// more: the cashier view's), so `clear` also breaks the cycle of a handler that holds it.
#[derive(Debug, Default, Clone)]
pub struct Handlers(Rc<RefCell<Vec<Handler>>>);

/// One event handler, as JavaScript calls it.
type Handler = Closure<dyn FnMut(Event)>;

impl Handlers {
    /// Releases every handler (their elements are gone or about to be).
    pub fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}

/// An element being built (or kept, to change later).
#[derive(Debug, Clone)]
pub struct El(pub Element);

/// A new HTML element.
pub fn el(tag: &str) -> El {
    El(DOCUMENT.with(|d| d.create(tag)))
}

impl El {
    fn raw(&self) -> &Raw {
        self.0.unchecked_ref()
    }

    /// Sets `class`.
    pub fn class(self, class: &str) -> Self {
        self.attr("class", class)
    }

    /// Sets an attribute.
    pub fn attr(self, name: &str, value: &str) -> Self {
        self.raw().set(name, value);
        self
    }

    /// Appends text.
    pub fn text(self, text: &str) -> Self {
        self.raw().append_text(text);
        self
    }

    /// Appends a child element.
    pub fn child(self, child: El) -> Self {
        self.raw().append_node(&child.0);
        self
    }

    /// Appends a child element, if there is one.
    pub fn maybe(self, child: Option<El>) -> Self {
        match child {
            Some(child) => self.child(child),
            None => self,
        }
    }

    /// Calls `f` on every `event` (`click`, …), for as long as `handlers` keeps it.
    pub fn on(self, event: &str, handlers: &Handlers, f: impl FnMut(Event) + 'static) -> Self {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        self.raw().listen(event, closure.as_ref().unchecked_ref());
        handlers.0.borrow_mut().push(closure);
        self
    }

    /// Replaces the text.
    pub fn set_text(&self, text: &str) {
        self.raw().set_text_content(text);
    }

    /// Replaces every child with `child`.
    pub fn replace(&self, child: El) {
        self.raw().clear();
        self.raw().append_node(&child.0);
    }

    /// Sets or removes a boolean attribute (`hidden`, `open`).
    pub fn flag(&self, name: &str, on: bool) {
        self.raw().toggle(name, on);
    }

    /// Sets or removes an attribute.
    pub fn set_attr(&self, name: &str, value: Option<&str>) {
        match value {
            Some(v) => self.raw().set(name, v),
            None => self.raw().unset(name),
        }
    }
}

/// What one state shows, as a `div` kept out of layout (`display: contents`).
pub fn view() -> El {
    el("div").class("view")
}
