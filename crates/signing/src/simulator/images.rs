//! Drawn images for the demo and tests (marked as such by their look, not by a file): a red
//! round seal and a blue handwritten-looking signature, both with transparent backgrounds, as
//! NĐ 30/2020 Phụ lục I asks of the real ones (PNG, transparent, red seal, blue signature).

use crate::sign::Image;

/// A red round seal `size` pixels across: two rings and a five-pointed star, the rest
/// transparent.
pub fn seal(size: u32) -> Image {
    let size = size.max(16);
    let c = f64::from(size) / 2.0;
    let mut rgb = Vec::with_capacity((size * size * 3) as usize);
    let mut alpha = Vec::with_capacity((size * size) as usize);
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (f64::from(x) + 0.5 - c, f64::from(y) + 0.5 - c);
            let r = (dx * dx + dy * dy).sqrt() / c;
            let ring = (0.90..=0.98).contains(&r) || (0.70..=0.74).contains(&r);
            let star = r < 0.45 && in_star(dx / c, dy / c, 0.42);
            rgb.extend_from_slice(&[208, 16, 16]);
            alpha.push(if ring || star { 230 } else { 0 });
        }
    }
    Image {
        width: size,
        height: size,
        rgb,
        alpha,
    }
}

/// Whether `(x, y)` (centred, y down) is inside a five-pointed star of outer radius `outer`.
fn in_star(x: f64, y: f64, outer: f64) -> bool {
    let inner = outer * 0.382;
    let points: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let radius = if i % 2 == 0 { outer } else { inner };
            let angle = -std::f64::consts::FRAC_PI_2 + f64::from(i) * std::f64::consts::PI / 5.0;
            (radius * angle.cos(), radius * angle.sin())
        })
        .collect();
    // Even-odd ray casting.
    let mut inside = false;
    let mut j = points.len() - 1;
    for i in 0..points.len() {
        let (xi, yi) = points[i];
        let (xj, yj) = points[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

/// A blue signature-like stroke `width × height` pixels; `seed` varies its shape (one per
/// official).
pub fn signature(width: u32, height: u32, seed: u32) -> Image {
    let (width, height) = (width.max(16), height.max(8));
    let (w, h) = (f64::from(width), f64::from(height));
    let mut alpha = vec![0u8; (width * height) as usize];
    let phase = f64::from(seed % 97) / 97.0 * std::f64::consts::TAU;
    let loops = 3.0 + f64::from(seed % 3);
    let steps = width * 6;
    for i in 0..steps {
        let t = f64::from(i) / f64::from(steps);
        let x =
            0.08 * w + t * 0.84 * w + (t * loops * std::f64::consts::TAU + phase).sin() * 0.06 * w;
        let y = h / 2.0
            + (t * loops * std::f64::consts::TAU).cos() * 0.30 * h * (1.0 - t * 0.5)
            + (t * 1.7 + phase).sin() * 0.08 * h;
        for oy in -1..=1 {
            for ox in -1..=1 {
                let px = (x as i64) + ox;
                let py = (y as i64) + oy;
                if px >= 0 && py >= 0 && (px as u32) < width && (py as u32) < height {
                    alpha[(py as u32 * width + px as u32) as usize] = 255;
                }
            }
        }
    }
    Image {
        width,
        height,
        rgb: [20u8, 40, 170].repeat((width * height) as usize),
        alpha,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seal_is_red_round_and_transparent_outside() {
        let image = seal(100);
        assert_eq!(image.rgb.len(), 100 * 100 * 3);
        assert_eq!(image.alpha[0], 0, "a corner is transparent");
        // On the outer ring, half-way down the left edge.
        assert!(image.alpha[(50 * 100 + 3) as usize] > 0);
        // The star's centre.
        assert!(image.alpha[(50 * 100 + 50) as usize] > 0);
    }

    #[test]
    fn signatures_differ_by_seed_and_leave_the_background_clear() {
        let a = signature(120, 48, 1);
        let b = signature(120, 48, 2);
        assert_ne!(a.alpha, b.alpha);
        let inked = a.alpha.iter().filter(|&&v| v > 0).count();
        assert!(inked > 100 && inked < 120 * 48 / 2, "{inked}");
    }
}
