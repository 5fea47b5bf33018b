//! Sign-in: a key typed once, exchanged for the mode's session. The field is emptied the
//! moment the request leaves; the key is never written anywhere in the page.

use crate::api::{self, Body};
use crate::app::ctx;
use leptos::prelude::*;

/// The sign-in form for the current mode.
#[component]
pub fn SignIn() -> impl IntoView {
    let ctx = ctx();
    let key = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = key.get_untracked();
        key.set(String::new());
        busy.set(true);
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "key": typed.trim() }).to_string();
            let answer = api::call("POST", "/dashboard/session", Body::Json(body), None).await;
            busy.set(false);
            if answer.ok() {
                error.set(String::new());
                let live = answer
                    .json()
                    .get("livemode")
                    .and_then(serde_json::Value::as_bool);
                let mode = if live == Some(true) { "live" } else { "test" };
                if mode != ctx.mode()
                    && let Some(w) = web_sys::window()
                {
                    let mut hash = String::from("#/");
                    hash.push_str(mode);
                    hash.push_str("/vouchers");
                    let _ = w.location().set_hash(&hash);
                }
                ctx.refresh();
            } else if answer.status == 401 {
                error.set(String::from("Esa clave no es de ningún comercio en Vale."));
            } else {
                error.set(answer.error());
            }
        });
    };
    view! {
        <section class="card signin">
            <h1>"Entrar al panel"</h1>
            <p>{move || if ctx.mode() == "live" {
                "Modo producción: usa una clave sk_live_ o rk_live_."
            } else {
                "Modo prueba: usa una clave sk_test_ o rk_test_."
            }}</p>
            <p class="hint">"La clave se cambia por una sesión de 8 horas y no se guarda en esta página. Con una clave restringida (rk_) puedes consultar y aprobar; con la secreta (sk_), todo lo demás."</p>
            <form on:submit=submit>
                <label for="key">"Clave de API"</label>
                <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required
                    prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))/>
                <button type="submit" disabled=move || busy.get()>"Entrar"</button>
            </form>
            {move || (!error.get().is_empty()).then(|| view! { <p role="alert" class="err">{error.get()}</p> })}
        </section>
    }
}
