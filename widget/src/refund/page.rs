//! The refund page in the shadow root: the header (amount, order, reason), then what the
//! status calls for; for `requires_action` the choices, a form that checks each field as
//! it is typed, the confirmation, and the submit. A status change is announced in a live
//! region; while the refund waits on the store or the payout it is read again now and
//! then.

use super::form::{self, Kind, Values};
use super::http::{self, Outcome};
use super::view::RefundView;
use super::words;
use crate::browser;
use crate::dom::{El, Handlers, el};
use crate::sleep::Sleeper;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use vale_shared::refund::RefundStatus;
use vale_shared::refund::destination::Destination;
use wasm_bindgen_futures::spawn_local;

const WRONG_LINK: &str =
    "El enlace de esta devolución no es válido. Pide a la tienda que te lo envíe de nuevo.";

/// How often a refund waiting on the store or the payout is read again.
const POLL_MS: u32 = 20_000;

/// The form's nodes: each field's input and error line, and the submit button.
struct Fields {
    kind: String,
    inputs: Vec<(&'static str, El, El)>,
    submit: El,
    /// Fields the shopper left once: an empty one then shows its error too.
    touched: RefCell<BTreeSet<&'static str>>,
}

/// One mounted refund page.
pub(crate) struct Page {
    url: String,
    secret: vale_shared::Secret,
    status: El,
    content: El,
    handlers: Handlers,
    view: RefCell<Option<RefundView>>,
    /// The choice and what was typed, kept across the confirmation step.
    choice: RefCell<String>,
    values: RefCell<Values>,
    /// The form on screen, if any.
    fields: RefCell<Option<Fields>>,
    sleeper: Sleeper,
    alive: Cell<bool>,
}

impl Page {
    pub(crate) fn start(root: &El, url: String, secret: &str) -> Rc<Page> {
        let status = el("p")
            .class("sr")
            .attr("role", "status")
            .attr("aria-live", "polite");
        let content = crate::dom::view();
        let _ = root.clone().child(el("style").text(super::CSS)).child(
            el("article")
                .class("refund")
                .attr("lang", "es")
                .child(status.clone())
                .child(content.clone()),
        );
        let page = Rc::new(Page {
            url,
            secret: vale_shared::Secret::new(secret),
            status,
            content,
            handlers: Handlers::default(),
            view: RefCell::new(None),
            choice: RefCell::new(String::new()),
            values: RefCell::new(Values::new()),
            fields: RefCell::new(None),
            sleeper: Sleeper::default(),
            alive: Cell::new(true),
        });
        page.content
            .replace(el("p").class("muted").text("Cargando tu devolución…"));
        let this = Rc::clone(&page);
        spawn_local(async move { this.run().await });
        page
    }

    pub(crate) fn stop(&self) {
        self.alive.set(false);
        self.handlers.clear();
        self.sleeper.wake();
    }

    /// Reads the refund, draws it, and reads it again while it waits on someone else.
    async fn run(self: &Rc<Self>) {
        if self.url.is_empty() {
            return self.failed(WRONG_LINK);
        }
        while self.alive.get() {
            let answer = http::call(&self.url, self.secret.expose(), None).await;
            if !self.alive.get() {
                return;
            }
            let waiting = match answer {
                Outcome::Ok(json) => match RefundView::read(&json) {
                    Some(view) => {
                        let changed =
                            self.view.borrow().as_ref().map(|v| v.status) != Some(view.status);
                        let waiting = matches!(
                            view.status,
                            RefundStatus::PendingApproval | RefundStatus::Processing
                        );
                        if changed {
                            self.show(view);
                        }
                        waiting
                    }
                    None => {
                        return self.failed("No pudimos leer tu devolución. Recarga la página.");
                    }
                },
                Outcome::WrongLink | Outcome::Invalid { .. } => {
                    return self.failed(WRONG_LINK);
                }
                Outcome::Failed => {
                    if self.view.borrow().is_none() {
                        return self.failed("No hay conexión o el servicio no responde. Revisa tu internet y recarga la página.");
                    }
                    true
                }
            };
            if !waiting {
                return;
            }
            self.sleeper.sleep(POLL_MS).await;
        }
    }

    fn failed(self: &Rc<Self>, message: &str) {
        self.handlers.clear();
        self.content.replace(
            el("p")
                .class("notice bad")
                .attr("role", "alert")
                .text(message),
        );
        self.status.set_text(message);
    }

    /// Draws `view` and announces its status.
    fn show(self: &Rc<Self>, view: RefundView) {
        self.handlers.clear();
        let (headline, body) = self.body(&view);
        let page = el("div")
            .class("sheet")
            .child(
                el("p")
                    .class("eyebrow")
                    .text(&["Devolución del pedido ", &view.reference].concat()),
            )
            .child(el("p").class("amount").text(&view.amount.to_string()))
            .child(
                el("p")
                    .class("reason")
                    .text("Motivo: ")
                    .text(words::reason(view.reason)),
            )
            .child(
                el("h2")
                    .class("headline")
                    .attr("tabindex", "-1")
                    .text(headline),
            )
            .child(body);
        self.content.replace(page);
        self.status.set_text(headline);
        self.view.replace(Some(view));
    }

    fn body(self: &Rc<Self>, view: &RefundView) -> (&'static str, El) {
        let p = |class: &str, text: &str| el("p").class(class).text(text);
        match view.status {
            // Above the store's threshold the shopper chooses first, then the store
            // approves that destination; one that waited before choosing chooses after.
            RefundStatus::PendingApproval if view.destination.is_some() => {
                let next = if destination_words(view) == "Efecty" {
                    "Cuando la apruebe, verás aquí el código para retirar tu dinero en Efecty. Esta página se actualiza sola.".to_owned()
                } else {
                    ["Cuando la apruebe, te enviaremos el dinero a ", &destination_words(view), ". Esta página se actualiza sola."].concat()
                };
                ("La tienda está revisando tu devolución", p("muted", &next))
            }
            RefundStatus::PendingApproval => (
                "La tienda está revisando tu devolución",
                p("muted", "Cuando la apruebe, en esta misma página podrás elegir cómo recibir tu dinero."),
            ),
            RefundStatus::RequiresAction => ("¿Cómo quieres recibir tu dinero?", self.choices(view)),
            RefundStatus::Processing => match &view.withdrawal {
                Some(w) => ("Tu dinero está listo para retirar en Efecty", withdrawal(view, w, &self.handlers)),
                None => (
                    "Tu devolución está en camino",
                    el("div")
                        .child(p("", &["Enviamos ", &view.amount.to_string(), " a ", &destination_words(view), "."].concat()))
                        .child(p("muted", "Puede tardar unos días hábiles. Esta página se actualiza sola."))
                        .child(print_button(&self.handlers)),
                ),
            },
            RefundStatus::Succeeded => {
                let when = view
                    .succeeded_at
                    .map(|at| [" el ", &words::date_time(at, view.network), " (", words::zone(view.network), ")"].concat())
                    .unwrap_or_default();
                let cash = view
                    .destination
                    .as_ref()
                    .and_then(|d| d.get("type"))
                    .and_then(|t| t.as_str())
                    == Some("cash_pickup");
                let what = if cash {
                    ["Retiraste ", &view.amount.to_string(), " en Efecty", &when, "."].concat()
                } else {
                    ["Recibiste ", &view.amount.to_string(), " en ", &destination_words(view), &when, "."].concat()
                };
                (
                    "Devolución completada",
                    el("div").child(p("notice good", &what)).child(print_button(&self.handlers)),
                )
            }
            RefundStatus::Failed => (
                "No pudimos completar tu devolución",
                el("div")
                    .child(p("notice bad", view.failure_reason.map_or("El envío no se pudo completar.", words::failure)))
                    .child(p("", "Tu dinero no se perdió: la tienda puede abrir una nueva devolución. Escríbele y muéstrale esta página.")),
            ),
            RefundStatus::Cancelled => (
                "La tienda anuló esta devolución",
                p("muted", "Si no esperabas este cambio, escríbele a la tienda."),
            ),
            RefundStatus::Expired => (
                "Esta devolución venció",
                p("muted", "No se eligió a tiempo cómo recibir el dinero. Pide a la tienda que abra una nueva devolución."),
            ),
        }
    }

    /// The choices that fit, and the slot their form goes in.
    fn choices(self: &Rc<Self>, view: &RefundView) -> El {
        let country = view.country();
        let slot = el("div").class("form-slot");
        let mut list = el("fieldset")
            .class("choices")
            .child(el("legend").class("sr").text("Cómo recibir tu dinero"));
        for kind in &view.destination_types {
            let kind = kind.clone();
            let this = Rc::clone(self);
            let radio = el("input")
                .attr("type", "radio")
                .attr("name", "choice")
                .attr("value", &kind)
                .attr("id", &["c-", &kind].concat())
                .on("change", &self.handlers, move |_| {
                    this.choice.replace(kind.clone());
                    this.values.replace(Values::new());
                    this.form();
                });
            let kind = radio.0.get_attribute("value").unwrap_or_default();
            list = list.child(
                el("label")
                    .class("choice")
                    .attr("for", &["c-", &kind].concat())
                    .child(radio)
                    .child(
                        el("span")
                            .child(el("b").text(form::title(&kind, country)))
                            .child(el("small").text(form::blurb(&kind))),
                    ),
            );
        }
        el("div")
            .child(list)
            .child(
                el("p").class("muted small").text(
                    &[
                        "Tienes hasta el ",
                        &words::date_time(view.expires_at, view.network),
                        " (",
                        words::zone(view.network),
                        ") para elegir.",
                    ]
                    .concat(),
                ),
            )
            .child(slot)
    }

    fn slot(&self) -> Option<web_sys::Element> {
        self.content.0.query_selector(".form-slot").ok().flatten()
    }

    /// Draws the form for the current choice, with what was typed so far.
    fn form(self: &Rc<Self>) {
        let Some(slot) = self.slot() else { return };
        let Some(view) = self.view.borrow().clone() else {
            return;
        };
        let kind = self.choice.borrow().clone();
        let country = view.country();
        let fields = form::fields(&kind, country);
        {
            let mut values = self.values.borrow_mut();
            for f in &fields {
                if let Kind::Select(options) = f.kind {
                    let first = options.first().map_or("", |o| o.0);
                    values.entry(f.name).or_insert_with(|| first.to_owned());
                } else {
                    // Text, or a long list with nothing picked yet.
                    values.entry(f.name).or_default();
                }
            }
        }
        let submit = el("button")
            .attr("type", "submit")
            .class("primary")
            .text("Continuar");
        let mut form_el = el("form")
            .attr("novalidate", "")
            .attr("aria-label", form::title(&kind, country));
        let mut errors: Vec<(&'static str, El, El)> = Vec::new();
        for f in &fields {
            let id = ["f-", f.name].concat();
            let error = el("p")
                .class("field-error")
                .attr("id", &[&id, "-error"].concat());
            error.flag("hidden", true);
            let hint_id = [&id, "-hint"].concat();
            let current = self
                .values
                .borrow()
                .get(f.name)
                .cloned()
                .unwrap_or_default();
            let input = match f.kind {
                Kind::Text(mode) => el("input")
                    .attr("type", if mode == "tel" { "tel" } else { "text" })
                    .attr("inputmode", mode)
                    .attr("autocomplete", f.autocomplete)
                    .attr("required", "")
                    .attr("spellcheck", "false"),
                Kind::Select(options) => {
                    let mut s = el("select");
                    for (value, label) in options {
                        s = s.child(el("option").attr("value", value).text(label));
                    }
                    s
                }
                Kind::Pick(options, prompt) => {
                    let mut s = el("select")
                        .attr("required", "")
                        .child(el("option").attr("value", "").text(prompt));
                    for (value, label) in options {
                        s = s.child(el("option").attr("value", value).text(label));
                    }
                    s
                }
            };
            let input = input.attr("id", &id).attr("name", f.name);
            http::set_value(&input.0, &current);
            let described = if f.hint.is_some() {
                [hint_id.as_str(), " ", &id, "-error"].concat()
            } else {
                [&id, "-error"].concat()
            };
            let input = input.attr("aria-describedby", &described);
            let this = Rc::clone(self);
            let name = f.name;
            let node = input.0.clone();
            let input = input.on("input", &self.handlers, move |_| {
                this.values.borrow_mut().insert(name, http::value(&node));
                this.check(false, Some(name));
            });
            let this = Rc::clone(self);
            let input = input.on("blur", &self.handlers, move |_| this.touch(name));
            let this = Rc::clone(self);
            let input = input.on("change", &self.handlers, move |_| this.check(false, None));
            errors.push((f.name, input.clone(), error.clone()));
            form_el = form_el.child(
                el("div")
                    .class("field")
                    .child(el("label").attr("for", &id).text(f.label))
                    .maybe(
                        f.hint
                            .map(|h| el("small").class("hint").attr("id", &hint_id).text(h)),
                    )
                    .child(input)
                    .child(error),
            );
        }
        let this = Rc::clone(self);
        let form_el = form_el
            .child(submit.clone())
            .on("submit", &self.handlers, move |event| {
                event.prevent_default();
                this.confirm();
            });
        self.fields.replace(Some(Fields {
            kind,
            inputs: errors,
            submit,
            touched: RefCell::default(),
        }));
        slot.replace_children_with_node_1(&form_el.0);
        self.check(false, None);
    }

    fn touch(self: &Rc<Self>, name: &'static str) {
        if let Some(f) = self.fields.borrow().as_ref() {
            f.touched.borrow_mut().insert(name);
        }
        self.check(false, None);
    }

    /// Shows each field's error (once typed in or left) and enables the submit only when
    /// the whole destination parses. `all` shows every error (a refused submit).
    fn check(&self, all: bool, _typed: Option<&'static str>) {
        let Some(view) = self.view.borrow().clone() else {
            return;
        };
        let fields = self.fields.borrow();
        let Some(f) = fields.as_ref() else { return };
        let values = self.values.borrow();
        let country = view.country();
        for (name, input, error) in &f.inputs {
            let typed = values.get(name).is_some_and(|v| !v.trim().is_empty());
            let shown = all || typed || f.touched.borrow().contains(name);
            let wrong = form::error(&f.kind, country, &values, name).filter(|_| shown);
            error.set_text(wrong.unwrap_or_default());
            error.flag("hidden", wrong.is_none());
            input.set_attr("aria-invalid", wrong.map(|_| "true"));
        }
        let ok = Destination::parse(country, &form::object(&f.kind, &values)).is_ok();
        f.submit.flag("disabled", !ok);
    }

    /// The confirmation step: what will happen, then the submit.
    fn confirm(self: &Rc<Self>) {
        let Some(view) = self.view.borrow().clone() else {
            return;
        };
        let kind = self.choice.borrow().clone();
        let object = form::object(&kind, &self.values.borrow());
        let destination = match Destination::parse(view.country(), &object) {
            Ok(d) => d,
            Err(_) => return self.check(true, None),
        };
        let Some(slot) = self.slot() else { return };
        let sentence = form::confirmation(view.amount, view.network, &destination);
        let notice = el("p").class("notice bad").attr("role", "alert");
        notice.flag("hidden", true);
        let this = Rc::clone(self);
        let back = el("button")
            .attr("type", "button")
            .class("secondary")
            .text("Corregir datos")
            .on("click", &self.handlers, move |_| this.form());
        let this = Rc::clone(self);
        let (n, b) = (notice.clone(), back.clone());
        let send = el("button")
            .attr("type", "button")
            .class("primary")
            .text("Confirmar");
        let button = send.clone();
        let send = send.on("click", &self.handlers, move |_| {
            let this = Rc::clone(&this);
            let (notice, back, button) = (n.clone(), b.clone(), button.clone());
            let mut body = serde_json::Map::new();
            body.insert("destination".into(), object.clone());
            let body = serde_json::Value::Object(body);
            button.flag("disabled", true);
            back.flag("disabled", true);
            spawn_local(async move {
                let url = [this.url.as_str(), "/destination"].concat();
                match http::call(&url, this.secret.expose(), Some(&body)).await {
                    Outcome::Ok(json) => match RefundView::read(&json) {
                        Some(view) => {
                            this.fields.replace(None);
                            this.show(view);
                            this.focus_headline();
                            let again = Rc::clone(&this);
                            spawn_local(async move {
                                again.sleeper.sleep(POLL_MS).await;
                                again.run().await;
                            });
                        }
                        None => this.reload(),
                    },
                    Outcome::Invalid { param, message } => this.refused(&param, &message),
                    Outcome::WrongLink => this.reload(),
                    Outcome::Failed => {
                        notice.set_text(
                            "No pudimos enviar tus datos. Revisa tu conexión e inténtalo de nuevo.",
                        );
                        notice.flag("hidden", false);
                        button.flag("disabled", false);
                        back.flag("disabled", false);
                    }
                }
            });
        });
        let text = el("p")
            .class("confirm")
            .attr("tabindex", "-1")
            .text(&sentence);
        let box_ = el("div")
            .class("confirmation")
            .child(el("h3").text("Revisa antes de enviar"))
            .child(text.clone())
            .child(
                el("p")
                    .class("muted small")
                    .text("Después de confirmar no podrás cambiar estos datos."),
            )
            .child(notice)
            .child(el("div").class("buttons").child(send).child(back));
        self.fields.replace(None);
        slot.replace_children_with_node_1(&box_.0);
        browser::focus(&text.0);
        self.status.set_text(&sentence);
    }

    /// The API refused a field: back to the form, the error under it.
    fn refused(self: &Rc<Self>, param: &str, message: &str) {
        self.form();
        let field = param.strip_prefix("destination.").unwrap_or(param);
        let fields = self.fields.borrow();
        let Some(f) = fields.as_ref() else { return };
        let target = f
            .inputs
            .iter()
            .find(|(name, _, _)| *name == field)
            .or(f.inputs.first());
        if let Some((_, input, error)) = target {
            let known = self
                .view
                .borrow()
                .as_ref()
                .and_then(|v| form::error(&f.kind, v.country(), &self.values.borrow(), field));
            let text =
                known.map_or_else(|| ["Revisa este dato: ", message].concat(), str::to_owned);
            error.set_text(&text);
            error.flag("hidden", false);
            input.set_attr("aria-invalid", Some("true"));
            browser::focus(&input.0);
            self.status.set_text(&text);
        }
    }

    /// Reads the refund again from the top (after an answer that did not read).
    fn reload(self: &Rc<Self>) {
        self.view.replace(None);
        let this = Rc::clone(self);
        spawn_local(async move { this.run().await });
    }

    fn focus_headline(&self) {
        if let Ok(Some(h)) = self.content.0.query_selector(".headline") {
            browser::focus(&h);
        }
    }
}

/// A cash pickup's withdrawal: the code, what to bring, where, until when.
fn withdrawal(view: &RefundView, w: &super::view::Withdrawal, handlers: &Handlers) -> El {
    let d = view.destination.as_ref();
    let get = |k: &str| {
        d.and_then(|d| d.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let document = words::document(&get("document_type"), view.network);
    let bring = [
        "Tu ",
        document,
        " original (",
        &get("document_type"),
        " ",
        &get("document_number"),
        "), a nombre de ",
        &get("name"),
        ".",
    ]
    .concat();
    let until = [
        words::date_time(w.collectable_until, view.network).as_str(),
        " (",
        words::zone(view.network),
        ")",
    ]
    .concat();
    let row = |term: &str, what: &str| {
        el("div")
            .class("row")
            .child(el("dt").text(term))
            .child(el("dd").text(what))
    };
    el("div")
        .class("withdrawal")
        .child(el("p").text("Di este código de retiro en la caja:"))
        .child(el("p").class("code").text(&words::grouped(&w.code)))
        .child(
            el("dl")
                .child(row("Cuánto", &view.amount.to_string()))
                .child(row("Qué llevar", &bring))
                .child(row("Dónde", "En cualquier punto Efecty de Colombia."))
                .child(row("Hasta cuándo", &until)),
        )
        .child(
            el("p")
                .class("muted small")
                .text("Si no lo retiras a tiempo, la tienda puede abrir una nueva devolución."),
        )
        .child(print_button(handlers))
}

/// Where the money went, in words, from the masked destination.
fn destination_words(view: &RefundView) -> String {
    let d = view.destination.as_ref();
    let get = |k: &str| {
        d.and_then(|d| d.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
    };
    match get("type") {
        "bank_account" => {
            let number = [get("cci"), get("account_number")].concat();
            [
                "tu cuenta ",
                words::account_type(get("account_type")),
                " de ",
                get("bank"),
                " (",
                &number,
                ")",
            ]
            .concat()
        }
        "wallet" => [
            "tu ",
            words::wallet(get("provider")),
            " (",
            get("phone"),
            ")",
        ]
        .concat(),
        "cash_pickup" => "Efecty".to_owned(),
        _ => "tu destino".to_owned(),
    }
}

fn print_button(handlers: &Handlers) -> El {
    el("button")
        .attr("type", "button")
        .class("secondary print")
        .text("Imprimir comprobante")
        .on("click", handlers, |_| browser::print())
}
