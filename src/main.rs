//! The web app's entry point: mounts the Yew UI. Natively it only points to
//! the command line, so `cargo build` of the whole crate works everywhere.

#[cfg(target_arch = "wasm32")]
fn main() {
    // The same module runs in the page and in its parsing workers; a
    // worker has no window and only answers messages (ui::workers).
    if web_sys::window().is_some() {
        yew::Renderer::<loupe::ui::App>::new().render();
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("loupe-app is the web app; build it with `make serve`. For the command line, run `loupe`.");
    std::process::exit(2);
}
