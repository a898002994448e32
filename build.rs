// sqlx::migrate! embeds migrations/ at compile time: rebuild when a file
// there is added or changed (as `sqlx migrate build-script` writes it).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
