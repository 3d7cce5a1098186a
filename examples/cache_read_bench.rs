//! Times reading a header-cache file: the read, the digest, the decode. Used to tune the
//! warm start; not part of the test suite.
//!
//! ```sh
//! cargo run --release --example cache_read_bench -- FILE ACCOUNT FOLDER
//! ```
#![forbid(unsafe_code)]

use std::time::Instant;

use sha2::Digest;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, account, folder] = args.as_slice() else {
        eprintln!("usage: cache_read_bench FILE ACCOUNT FOLDER");
        std::process::exit(2);
    };
    let owner = sealmail::cache::file::Owner::new(account, folder);
    for _ in 0..3 {
        let t = Instant::now();
        let bytes = std::fs::read(file).expect("readable");
        let read = t.elapsed();
        let t = Instant::now();
        let digest = sha2::Sha256::digest(&bytes);
        let hashed = t.elapsed();
        let t = Instant::now();
        let cached = sealmail::cache::file::decode(&owner, &bytes);
        let decoded = t.elapsed();
        println!(
            "{} bytes: read {read:?}, sha256 {hashed:?} ({:x}), decode (digest included) {decoded:?}, rows {:?}",
            bytes.len(),
            digest[0],
            cached.map(|c| c.rows.len())
        );
    }
}
