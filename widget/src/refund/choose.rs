//! `requires_action`: the choices that fit the country, the form for the one picked (each
//! field checked as it is typed by the shared validators, through [`super::form`]), the
//! confirmation sentence, and the submit. What the shopper typed lives in one signal and
//! survives "Corregir datos"; a field the API refuses shows its error under it.

use super::form::{self, Field, Kind, Values};
use super::http::{self, Outcome};
use super::page::{POLL_MS, Page};
use super::view::RefundView;
use super::words;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::BTreeSet;
use vale_shared::refund::destination::{Country, Destination};

/// Which step of choosing is on screen.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// The form.
    Form,
    /// "Revisa antes de enviar": the sentence, and the destination as it will be sent.
    Confirm {
        sentence: String,
        object: serde_json::Value,
    },
}

/// What the shopper is doing with the form, as signals.
#[derive(Debug, Clone, Copy)]
struct Choosing {
    page: Page,
    country: Country,
    /// The destination type picked (`cash_pickup`, …), once one is.
    kind: RwSignal<Option<String>>,
    /// What was typed or picked, by field.
    values: RwSignal<Values>,
    /// Fields the shopper left once: an empty one then shows its error too.
    touched: RwSignal<BTreeSet<&'static str>>,
    /// Every error shown (a submit refused by the page).
    all: RwSignal<bool>,
    /// A field the API refused, and what to say under it (until the next edit).
    refused: RwSignal<Option<(&'static str, String)>>,
    step: RwSignal<Step>,
    /// The destination is being sent: both buttons off.
    sending: RwSignal<bool>,
    /// The last send got no answer.
    unsent: RwSignal<bool>,
}

impl Choosing {
    /// The form for `kind`, with the fixed lists' first choice already picked.
    fn pick(self, kind: String) {
        let mut values = Values::new();
        for f in form::fields(&kind, self.country) {
            let first = match f.kind {
                Kind::Select(options) => options.first().map_or("", |o| o.0),
                Kind::Text(_) | Kind::Pick(..) => "",
            };
            values.insert(f.name, first.to_owned());
        }
        self.values.set(values);
        self.back_to_form();
        self.kind.set(Some(kind));
    }

    fn back_to_form(self) {
        self.touched.set(BTreeSet::new());
        self.all.set(false);
        self.refused.set(None);
        self.unsent.set(false);
        self.step.set(Step::Form);
    }

    /// The form's destination, as the API will read it (or what is wrong with it).
    fn object(self) -> Option<serde_json::Value> {
        let kind = self.kind.get()?;
        Some(self.values.with(|v| form::object(&kind, v)))
    }

    /// Whether the whole destination parses.
    fn complete(self) -> bool {
        self.object()
            .is_some_and(|o| Destination::parse(self.country, &o).is_ok())
    }

    /// What to say under `name`, if anything.
    fn error(self, name: &'static str) -> Option<String> {
        if let Some((field, text)) = self.refused.get()
            && field == name
        {
            return Some(text);
        }
        let kind = self.kind.get()?;
        let shown = self.all.get() || self.touched.with(|t| t.contains(name));
        self.values.with(|values| {
            let typed = values.get(name).is_some_and(|v| !v.trim().is_empty());
            form::error(&kind, self.country, values, name)
                .filter(|_| shown || typed)
                .map(str::to_owned)
        })
    }

    /// "Continuar": the confirmation, or every error when the destination is not whole.
    fn confirm(self, view: &RefundView) {
        let Some(object) = self.object() else { return };
        match Destination::parse(self.country, &object) {
            Ok(destination) => {
                let sentence = form::confirmation(view.amount, view.network, &destination);
                self.page.said.set(sentence.clone());
                self.step.set(Step::Confirm { sentence, object });
                self.page.focus("p.confirm".to_owned());
            }
            Err(_) => self.all.set(true),
        }
    }

    /// "Confirmar": sends the destination; the refund's new state, or the field the API
    /// refused, or a line saying it did not go.
    fn send(self, object: serde_json::Value) {
        let Some(link) = self.page.link.try_get_value() else {
            return;
        };
        self.sending.set(true);
        self.unsent.set(false);
        let mut body = serde_json::Map::new();
        body.insert("destination".into(), object);
        let body = serde_json::Value::Object(body);
        spawn_local(async move {
            let url = [link.url.as_str(), "/destination"].concat();
            let answer = http::call(&url, link.secret.expose(), Some(&body)).await;
            if self.page.gone() {
                return;
            }
            self.sending.set(false);
            match answer {
                Outcome::Ok(json) => match RefundView::read(&json) {
                    Some(view) => {
                        self.page.show(view);
                        self.page.focus(".headline".to_owned());
                        if let Some(sleeper) = self.page.sleeper.try_get_value() {
                            sleeper.sleep(POLL_MS).await;
                            self.page.run().await;
                        }
                    }
                    None => self.page.run().await,
                },
                Outcome::Invalid { param, message } => self.refused(&param, &message),
                Outcome::WrongLink => self.page.run().await,
                Outcome::Failed => self.unsent.set(true),
            }
        });
    }

    /// The API refused a field: back to the form, the error under it (or under the
    /// first field, if the API named none the form has).
    fn refused(self, param: &str, message: &str) {
        let Some(kind) = self.kind.get_untracked() else {
            return;
        };
        let wanted = param.strip_prefix("destination.").unwrap_or(param);
        let fields = form::fields(&kind, self.country);
        let Some(field) = fields.iter().find(|f| f.name == wanted).or(fields.first()) else {
            return;
        };
        let known = self
            .values
            .with_untracked(|v| form::error(&kind, self.country, v, field.name));
        let text = known.map_or_else(|| ["Revisa este dato: ", message].concat(), str::to_owned);
        self.back_to_form();
        self.refused.set(Some((field.name, text.clone())));
        self.page.said.set(text);
        self.page.focus(["#f-", field.name].concat());
    }
}

/// The choices, how long the shopper has, and the form or confirmation of the one picked.
#[component]
pub(super) fn Choose(
    /// The page.
    page: Page,
    /// The refund as read.
    view: RefundView,
) -> impl IntoView {
    let country = view.country();
    let c = Choosing {
        page,
        country,
        kind: RwSignal::new(None),
        values: RwSignal::new(Values::new()),
        touched: RwSignal::new(BTreeSet::new()),
        all: RwSignal::new(false),
        refused: RwSignal::new(None),
        step: RwSignal::new(Step::Form),
        sending: RwSignal::new(false),
        unsent: RwSignal::new(false),
    };
    let choices = view
        .destination_types
        .iter()
        .map(|kind| {
            let id = ["c-", kind].concat();
            let label_for = id.clone();
            let picked = kind.clone();
            view! {
                <label class="choice" for=label_for>
                    <input type="radio" name="choice" value=kind.clone() id=id
                        on:change=move |_| c.pick(picked.clone())/>
                    <span>
                        <b>{form::title(kind, country)}</b>
                        <small>{form::blurb(kind)}</small>
                    </span>
                </label>
            }
        })
        .collect_view();
    let until = [
        "Tienes hasta el ",
        &words::date_time(view.expires_at, view.network),
        " (",
        words::zone(view.network),
        ") para elegir.",
    ]
    .concat();
    let view = StoredValue::new(view);
    let slot = move || {
        let kind = c.kind.get()?;
        Some(match c.step.get() {
            Step::Form => view
                .with_value(|v| destination_form(c, v, &kind))
                .into_any(),
            Step::Confirm { sentence, object } => confirmation(c, sentence, object).into_any(),
        })
    };
    view! {
        <div>
            <fieldset class="choices">
                <legend class="sr">"Cómo recibir tu dinero"</legend>
                {choices}
            </fieldset>
            <p class="muted small">{until}</p>
            <div class="form-slot">{slot}</div>
        </div>
    }
}

/// The form for `kind`: each field with its label, hint and error line, then "Continuar"
/// (off until the whole destination parses).
fn destination_form(c: Choosing, view: &RefundView, kind: &str) -> impl IntoView + use<> {
    let fields = form::fields(kind, c.country)
        .into_iter()
        .map(|f| field(c, f))
        .collect_view();
    let view = view.clone();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        c.confirm(&view);
    };
    view! {
        <form novalidate aria-label=form::title(kind, c.country) on:submit=submit>
            {fields}
            <button type="submit" class="primary" disabled=move || !c.complete()>"Continuar"</button>
        </form>
    }
}

/// One field: label, hint, input (or list), and the line saying what is wrong with it.
fn field(c: Choosing, f: Field) -> impl IntoView + use<> {
    let name = f.name;
    let id = ["f-", name].concat();
    let error_id = [&id, "-error"].concat();
    let hint_id = [&id, "-hint"].concat();
    let described = match f.hint {
        Some(_) => [hint_id.as_str(), " ", &error_id].concat(),
        None => error_id.clone(),
    };
    let current = c
        .values
        .with_untracked(|v| v.get(name).cloned().unwrap_or_default());
    let wrong = Memo::new(move |_| c.error(name));
    let typed = move |event: leptos::ev::Event| {
        let value = event_target_value(&event);
        c.refused.set(None);
        c.values.update(|v| {
            v.insert(name, value);
        });
    };
    let left = move |_| {
        c.touched.update(|t| {
            t.insert(name);
        });
    };
    let invalid = move || wrong.with(|w| w.as_ref().map(|_| "true"));
    let options = |list: &'static [(&'static str, &'static str)]| {
        list.iter()
            .map(|&(value, label)| {
                view! { <option value=value selected=value == current>{label}</option> }
            })
            .collect_view()
    };
    let input = match f.kind {
        Kind::Text(mode) => view! {
            <input type=if mode == "tel" { "tel" } else { "text" } inputmode=mode
                autocomplete=f.autocomplete required spellcheck="false"
                id=id.clone() name=name value=current.clone() aria-describedby=described
                aria-invalid=invalid on:input=typed on:blur=left/>
        }
        .into_any(),
        Kind::Select(list) => view! {
            <select id=id.clone() name=name aria-describedby=described aria-invalid=invalid
                on:input=typed on:change=typed on:blur=left>
                {options(list)}
            </select>
        }
        .into_any(),
        Kind::Pick(list, prompt) => view! {
            <select required id=id.clone() name=name aria-describedby=described
                aria-invalid=invalid on:input=typed on:change=typed on:blur=left>
                <option value="" selected=current.is_empty()>{prompt}</option>
                {options(list)}
            </select>
        }
        .into_any(),
    };
    let hint = f
        .hint
        .map(|h| view! { <small class="hint" id=hint_id>{h}</small> });
    view! {
        <div class="field">
            <label for=id>{f.label}</label>
            {hint}
            {input}
            <p class="field-error" id=error_id hidden=move || wrong.with(Option::is_none)>
                {move || wrong.get()}
            </p>
        </div>
    }
}

/// "Revisa antes de enviar": the sentence, then "Confirmar" and "Corregir datos".
fn confirmation(c: Choosing, sentence: String, object: serde_json::Value) -> impl IntoView {
    let object = StoredValue::new(object);
    view! {
        <div class="confirmation">
            <h3>"Revisa antes de enviar"</h3>
            <p class="confirm" tabindex="-1">{sentence}</p>
            <p class="muted small">"Después de confirmar no podrás cambiar estos datos."</p>
            <p class="notice bad" role="alert" hidden=move || !c.unsent.get()>
                {move || c.unsent.get().then_some(
                    "No pudimos enviar tus datos. Revisa tu conexión e inténtalo de nuevo.",
                )}
            </p>
            <div class="buttons">
                <button type="button" class="primary" disabled=move || c.sending.get()
                    on:click=move |_| c.send(object.get_value())>"Confirmar"</button>
                <button type="button" class="secondary" disabled=move || c.sending.get()
                    on:click=move |_| c.back_to_form()>"Corregir datos"</button>
            </div>
        </div>
    }
}
