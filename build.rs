// The shipped curriculum is embedded in the binary (src/cli/content.rs): rebuild when it changes.
fn main() {
    println!("cargo:rerun-if-changed=lessons");
    println!("cargo:rerun-if-changed=labs");
}
