//! The shell: sessions per mode, the visible mode switch, the navigation and the route
//! (the URL's hash), shared with every view through [`Ctx`].

use crate::api::{self, Body};
use leptos::prelude::*;
use serde_json::Value;

/// What every view reads: the route, the mode and the sessions.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    /// The hash's segments after `#/`: mode, view, id.
    pub route: RwSignal<Vec<String>>,
    /// `GET /dashboard/session`'s answer (`{test, live}`), `Null` before it came.
    pub sessions: RwSignal<Value>,
}

impl Ctx {
    /// `test` or `live`, from the route (test by default).
    pub fn mode(&self) -> String {
        match self.route.get().first().map(String::as_str) {
            Some("live") => String::from("live"),
            _ => String::from("test"),
        }
    }

    /// The view's name (`vouchers` by default).
    pub fn view(&self) -> String {
        self.route
            .get()
            .get(1)
            .filter(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| String::from("vouchers"))
    }

    /// The route's id, if any.
    pub fn id(&self) -> Option<String> {
        self.route.get().get(2).cloned()
    }

    /// The open session of the current mode.
    pub fn session(&self) -> Option<Value> {
        let mode = self.mode();
        self.sessions
            .get()
            .get(&mode)
            .filter(|s| !s.is_null())
            .cloned()
    }

    /// Whether this mode's merchant is a marketplace platform (it has sellers).
    pub fn platform(&self) -> bool {
        self.session()
            .and_then(|s| s.get("platform").and_then(Value::as_bool))
            .unwrap_or(false)
    }

    /// Whether this mode's session may take `action` (`vale_shared::dashboard::Action`).
    pub fn can(&self, action: &str) -> bool {
        self.session()
            .and_then(|s| s.get("can").cloned())
            .and_then(|c| c.as_array().cloned())
            .is_some_and(|c| c.iter().any(|a| a.as_str() == Some(action)))
    }

    /// Asks the edge again which sessions are open.
    pub fn refresh(self) {
        leptos::task::spawn_local(async move {
            let answer = api::call("GET", "/dashboard/session", Body::None, None).await;
            let json = answer.json();
            self.sessions.set(if json.is_object() {
                json
            } else {
                serde_json::json!({"test": null, "live": null})
            });
        });
    }
}

/// The link to `view` (and `id`) in the current mode.
pub fn href(ctx: &Ctx, view: &str, id: Option<&str>) -> String {
    let mut s = String::from("#/");
    s.push_str(&ctx.mode());
    s.push('/');
    s.push_str(view);
    if let Some(id) = id {
        s.push('/');
        s.push_str(id);
    }
    s
}

fn read_hash() -> Vec<String> {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    hash.trim_start_matches('#')
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            js_sys::decode_uri_component(s)
                .ok()
                .and_then(|d| d.as_string())
                .unwrap_or_default()
        })
        .collect()
}

const VIEWS: [(&str, &str); 6] = [
    ("vouchers", "Vouchers"),
    ("refunds", "Reembolsos"),
    ("reviews", "Revisiones"),
    ("settlements", "Conciliaciones"),
    ("webhooks", "Webhooks"),
    ("sellers", "Vendedores"),
];

/// The view a page belongs to in the navigation (a voucher's page to the vouchers…).
fn section(view: &str) -> &str {
    match view {
        "voucher" => "vouchers",
        "seller" => "sellers",
        other => other,
    }
}

/// The app.
#[component]
pub fn App() -> impl IntoView {
    let ctx = Ctx {
        route: RwSignal::new(read_hash()),
        sessions: RwSignal::new(Value::Null),
    };
    provide_context(ctx);
    let handle = window_event_listener(leptos::ev::hashchange, move |_| ctx.route.set(read_hash()));
    on_cleanup(move || handle.remove());
    ctx.refresh();
    let switch = move |mode: &'static str| {
        let mut hash = String::from("#/");
        hash.push_str(mode);
        hash.push('/');
        hash.push_str(&ctx.view());
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash(&hash);
        }
    };
    let sign_out = move |_| {
        let mode = ctx.mode();
        leptos::task::spawn_local(async move {
            let mut url = String::from("/dashboard/session?mode=");
            url.push_str(&mode);
            api::call("DELETE", &url, Body::None, None).await;
            ctx.refresh();
        });
    };
    view! {
        <header class="top" class:live=move || ctx.mode() == "live">
            <strong class="brand">"Vale · Panel"</strong>
            <div class="modes" role="group" aria-label="Modo">
                <button type="button" aria-pressed=move || (ctx.mode() == "test").to_string()
                    on:click=move |_| switch("test")>"Prueba"</button>
                <button type="button" aria-pressed=move || (ctx.mode() == "live").to_string()
                    on:click=move |_| switch("live")>"Producción"</button>
            </div>
            {move || ctx.session().map(|s| {
                let who = crate::fmt::text(&s, "merchant_name");
                let kind = if s.get("key_kind").and_then(Value::as_str) == Some("restricted") {
                    "clave restringida"
                } else {
                    "clave secreta"
                };
                view! {
                    <span class="who">{who}" · "{kind}</span>
                    <button type="button" class="quiet" on:click=sign_out>"Salir"</button>
                }
            })}
        </header>
        <p class="banner" class:live=move || ctx.mode() == "live">
            {move || if ctx.mode() == "live" { "Modo producción: dinero real." } else { "Modo prueba: nada es real." }}
        </p>
        {move || {
            if ctx.sessions.get().is_null() {
                view! { <main><p aria-live="polite">"Cargando…"</p></main> }.into_any()
            } else if ctx.session().is_none() {
                view! { <main><crate::signin::SignIn/></main> }.into_any()
            } else {
                view! {
                    <nav aria-label="Secciones">
                        {VIEWS.iter().filter(|(view, _)| *view != "sellers" || ctx.platform()).map(|(view, label)| {
                            let view = *view;
                            view! {
                                <a href=move || href(&ctx, view, None)
                                    aria-current=move || {
                                        (section(&ctx.view()) == view).then_some("page")
                                    }>{*label}</a>
                            }
                        }).collect_view()}
                    </nav>
                    <main>{move || match ctx.view().as_str() {
                        "voucher" => view! { <crate::vouchers::VoucherPage/> }.into_any(),
                        "refunds" => view! { <crate::refunds::Refunds/> }.into_any(),
                        "reviews" => view! { <crate::reviews::Reviews/> }.into_any(),
                        "settlements" => view! { <crate::settlements::Settlements/> }.into_any(),
                        "webhooks" => view! { <crate::webhooks::Webhooks/> }.into_any(),
                        "sellers" => view! { <crate::sellers::Sellers/> }.into_any(),
                        "seller" => view! { <crate::sellers::SellerPage/> }.into_any(),
                        _ => view! { <crate::vouchers::Vouchers/> }.into_any(),
                    }}</main>
                }.into_any()
            }
        }}
    }
}

/// The context every view reads.
pub fn ctx() -> Ctx {
    expect_context::<Ctx>()
}

/// A line of feedback after an action (`role=status`): empty, a success or an error.
pub fn notice(msg: RwSignal<(bool, String)>) -> impl IntoView {
    move || {
        let (ok, text) = msg.get();
        (!text.is_empty()).then(|| {
            view! { <p role="status" class:ok=ok class:err=!ok>{text}</p> }
        })
    }
}
