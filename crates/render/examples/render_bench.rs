//! Prints the median time to render Mẫu 01 (Giấy tiếp nhận hồ sơ và hẹn trả kết quả), so the
//! cost of PDF rendering can be measured on a given machine:
//! `cargo run -p motcua-render --release --example render_bench [iterations]`.

#[path = "../tests/samples/mod.rs"]
mod samples;

use std::time::{Duration, Instant};

use motcua_render::{DocumentRenderer, TypstRenderer};

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50)
        .max(1);
    let start = Instant::now();
    let renderer = TypstRenderer::new();
    println!("TypstRenderer::new: {:?}", start.elapsed());
    let form = samples::receipt();
    let first = Instant::now();
    let pdf = match renderer.render(&form) {
        Ok(pdf) => pdf,
        Err(e) => {
            eprintln!("render failed: {e}");
            std::process::exit(1);
        }
    };
    println!("first render: {:?} ({} bytes)", first.elapsed(), pdf.len());
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        if let Err(e) = renderer.render(&form) {
            eprintln!("render failed: {e}");
            std::process::exit(1);
        }
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "Mẫu 01 over {iterations} renders: median {:?}, min {:?}, max {:?}",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
