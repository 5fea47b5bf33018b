//! Paging a list newest first: "Anterior" / "Siguiente" over the cursors of the pages seen.

use leptos::prelude::*;

/// "Anterior" / "Siguiente" over a stack of cursors (`None` is the first page).
pub fn pager(
    cursors: RwSignal<Vec<Option<String>>>,
    last: Option<String>,
    more: bool,
    load: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let first = cursors.get_untracked().len() <= 1;
    view! {
        <div class="pager">
            <button type="button" disabled=first on:click=move |_| {
                cursors.update(|c| { c.pop(); });
                load();
            }>"Anterior"</button>
            <button type="button" disabled=!more on:click=move |_| {
                let last = last.clone();
                cursors.update(|c| c.push(last));
                load();
            }>"Siguiente"</button>
        </div>
    }
}
