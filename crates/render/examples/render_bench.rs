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
    report("same data", &mut times);

    // Different data each time, so Typst's memoisation cannot reuse the previous layout.
    let mut varied: Vec<Duration> = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let mut receipt = samples::receipt_for(&format!("Nguyễn Thị Thu Trang {i}"));
        receipt.dossier_code = format!("H59.22-260105-{i:04}");
        let form = motcua_render::FormDocument::Receipt(receipt);
        let t = Instant::now();
        if let Err(e) = renderer.render(&form) {
            eprintln!("render failed: {e}");
            std::process::exit(1);
        }
        varied.push(t.elapsed());
    }
    report("different data", &mut varied);
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    println!(
        "Mẫu 01, {label}, {} renders: median {:?}, min {:?}, max {:?}",
        times.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
