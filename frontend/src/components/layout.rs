use super::Header;
use leptos::prelude::*;
use leptos_router::components::A;

/// A page other than the chat: the header, a title, the content.
#[component]
pub fn Page(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="page">
            <Header />
            <section class="content">
                <h2>{title}</h2>
                {children()}
            </section>
        </main>
    }
}

/// Any path the app does not know.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <Page title="Page not found">
            <p>"Nothing lives at this address."</p>
            <p><A href="/">"Back to the chat"</A></p>
        </Page>
    }
}
