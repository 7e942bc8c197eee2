//! Just enough PDF to add a signature as an incremental update: a parser for objects, the
//! cross-reference (classic tables, cross-reference streams, object streams) and a serializer.
//! The original bytes are never rewritten; new and changed objects are appended after them.

use crate::SignError;
use std::collections::BTreeMap;
use std::io::Read;

/// A PDF object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Obj {
    Null,
    Bool(bool),
    Int(i64),
    /// A real number, kept as written.
    Real(String),
    Name(Vec<u8>),
    /// A string (literal or hexadecimal), decoded.
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Dict),
    Ref(u32, u16),
    Stream(Dict, Vec<u8>),
}

pub(crate) type Dict = Vec<(Vec<u8>, Obj)>;

pub(crate) fn dict_get<'a>(dict: &'a Dict, key: &str) -> Option<&'a Obj> {
    dict.iter()
        .find(|(k, _)| k.as_slice() == key.as_bytes())
        .map(|(_, v)| v)
}

pub(crate) fn dict_set(dict: &mut Dict, key: &str, value: Obj) {
    if let Some(slot) = dict
        .iter_mut()
        .find(|(k, _)| k.as_slice() == key.as_bytes())
    {
        slot.1 = value;
    } else {
        dict.push((key.as_bytes().to_vec(), value));
    }
}

fn bad(what: impl Into<String>) -> SignError {
    SignError::Pdf(what.into())
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t' | 0x0c | 0)
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

/// A cursor over PDF bytes.
pub(crate) struct Lexer<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer { data, pos }
    }

    pub(crate) fn skip_ws(&mut self) {
        while self.pos < self.data.len() {
            let b = self.data[self.pos];
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self.pos < self.data.len() && !matches!(self.data[self.pos], b'\n' | b'\r') {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.data[self.pos.min(self.data.len())..].starts_with(s)
    }

    /// A regular token (number, keyword).
    pub(crate) fn word(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.data.len()
            && !is_white(self.data[self.pos])
            && !is_delim(self.data[self.pos])
        {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    pub(crate) fn expect_word(&mut self, w: &str) -> Result<(), SignError> {
        let got = self.word();
        if got == w.as_bytes() {
            Ok(())
        } else {
            Err(bad(format!(
                "expected `{w}`, found `{}`",
                String::from_utf8_lossy(got)
            )))
        }
    }

    pub(crate) fn uint(&mut self) -> Result<u64, SignError> {
        let w = self.word();
        std::str::from_utf8(w)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("expected a number"))
    }

    /// One object; `N G R` references are recognised.
    pub(crate) fn object(&mut self, depth: usize) -> Result<Obj, SignError> {
        if depth > 64 {
            return Err(bad("objects nested too deeply"));
        }
        self.skip_ws();
        let Some(b) = self.peek() else {
            return Err(bad("unexpected end of file"));
        };
        match b {
            b'/' => {
                self.pos += 1;
                let start = self.pos;
                while self.pos < self.data.len()
                    && !is_white(self.data[self.pos])
                    && !is_delim(self.data[self.pos])
                {
                    self.pos += 1;
                }
                Ok(Obj::Name(unescape_name(&self.data[start..self.pos])))
            }
            b'(' => self.literal_string().map(Obj::Str),
            b'<' if self.starts_with(b"<<") => {
                self.pos += 2;
                let mut dict = Dict::new();
                loop {
                    self.skip_ws();
                    if self.starts_with(b">>") {
                        self.pos += 2;
                        break;
                    }
                    let key = match self.object(depth + 1)? {
                        Obj::Name(n) => n,
                        _ => return Err(bad("a dictionary key is not a name")),
                    };
                    let value = self.object(depth + 1)?;
                    dict.push((key, value));
                }
                Ok(Obj::Dict(dict))
            }
            b'<' => {
                self.pos += 1;
                let mut hex = Vec::new();
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b'>' {
                        return Ok(Obj::Str(decode_hex_loose(&hex)));
                    }
                    if !is_white(c) {
                        hex.push(c);
                    }
                }
                Err(bad("unterminated hexadecimal string"))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        break;
                    }
                    items.push(self.object(depth + 1)?);
                }
                Ok(Obj::Array(items))
            }
            _ => {
                let w = self.word();
                if w.is_empty() {
                    return Err(bad(format!("unexpected byte {b:#04x}")));
                }
                match w {
                    b"true" => return Ok(Obj::Bool(true)),
                    b"false" => return Ok(Obj::Bool(false)),
                    b"null" => return Ok(Obj::Null),
                    _ => {}
                }
                let text = std::str::from_utf8(w).map_err(|_| bad("bad token"))?;
                if let Ok(n) = text.parse::<i64>() {
                    // `N G R`?
                    let save = self.pos;
                    if n >= 0 {
                        let g = self.word();
                        if let Some(g) = std::str::from_utf8(g).ok().and_then(|g| g.parse().ok())
                            && self.word() == b"R"
                        {
                            return Ok(Obj::Ref(n as u32, g));
                        }
                    }
                    self.pos = save;
                    return Ok(Obj::Int(n));
                }
                if text.parse::<f64>().is_ok() {
                    return Ok(Obj::Real(text.to_owned()));
                }
                Err(bad(format!("unknown token `{text}`")))
            }
        }
    }

    fn literal_string(&mut self) -> Result<Vec<u8>, SignError> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut level = 1;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => {
                    level += 1;
                    out.push(c);
                }
                b')' => {
                    level -= 1;
                    if level == 0 {
                        return Ok(out);
                    }
                    out.push(c);
                }
                b'\\' => {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push(v as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(c),
            }
        }
        Err(bad("unterminated string"))
    }
}

fn unescape_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && i + 2 < raw.len()
            && let Some(v) = hex_val(raw[i + 1]).zip(hex_val(raw[i + 2]))
        {
            out.push(v.0 * 16 + v.1);
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

fn decode_hex_loose(hex: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = hex.iter().filter_map(|c| hex_val(*c)).collect();
    digits
        .chunks(2)
        .map(|p| p[0] * 16 + p.get(1).copied().unwrap_or(0))
        .collect()
}

/// Strict hexadecimal decoding (the signature's `/Contents`).
pub(crate) fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.chunks(2)
        .map(|p| Some(hex_val(p[0])? * 16 + hex_val(p[1])?))
        .collect()
}

/// Serializes an object.
pub(crate) fn write_obj(out: &mut Vec<u8>, obj: &Obj) {
    match obj {
        Obj::Null => out.extend_from_slice(b"null"),
        Obj::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Obj::Int(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Obj::Real(r) => out.extend_from_slice(r.as_bytes()),
        Obj::Name(n) => {
            out.push(b'/');
            for &c in n {
                if c <= b' ' || c > b'~' || is_delim(c) || c == b'#' {
                    out.extend_from_slice(format!("#{c:02X}").as_bytes());
                } else {
                    out.push(c);
                }
            }
        }
        Obj::Str(s) => {
            out.push(b'<');
            for c in s {
                out.extend_from_slice(format!("{c:02X}").as_bytes());
            }
            out.push(b'>');
        }
        Obj::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_obj(out, item);
            }
            out.push(b']');
        }
        Obj::Dict(d) => write_dict(out, d),
        Obj::Ref(n, g) => out.extend_from_slice(format!("{n} {g} R").as_bytes()),
        Obj::Stream(d, data) => {
            let mut d = d.clone();
            dict_set(&mut d, "Length", Obj::Int(data.len() as i64));
            write_dict(out, &d);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\nendstream");
        }
    }
}

fn write_dict(out: &mut Vec<u8>, d: &Dict) {
    out.extend_from_slice(b"<<");
    for (k, v) in d {
        write_obj(out, &Obj::Name(k.clone()));
        out.push(b' ');
        write_obj(out, v);
    }
    out.extend_from_slice(b">>");
}

/// A PDF text string: PDFDocEncoding-compatible ASCII as is, anything else UTF-16BE with a BOM.
pub(crate) fn text_string(text: &str) -> Obj {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Obj::Str(text.as_bytes().to_vec())
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Obj::Str(bytes)
    }
}

/// Decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, or PDFDocEncoding ≈ Latin-1).
pub(crate) fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|&b| char::from(b)).collect()
    }
}

#[derive(Debug, Clone, Copy)]
enum Loc {
    Offset(usize),
    InStream(u32, usize),
}

/// A parsed document: where each object is, and the newest trailer.
pub(crate) struct Document<'a> {
    pub(crate) data: &'a [u8],
    xref: BTreeMap<u32, Loc>,
    pub(crate) trailer: Dict,
    /// Where the newest cross-reference section starts (the update's `/Prev`).
    pub(crate) startxref: usize,
    /// Whether the newest section is a cross-reference stream.
    pub(crate) xref_is_stream: bool,
}

impl<'a> Document<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, SignError> {
        let tail_start = data.len().saturating_sub(2048);
        let tail = &data[tail_start..];
        let at = find_last(tail, b"startxref").ok_or_else(|| bad("no startxref"))?;
        let mut lx = Lexer::new(data, tail_start + at + 9);
        let startxref = lx.uint()? as usize;
        let mut doc = Document {
            data,
            xref: BTreeMap::new(),
            trailer: Dict::new(),
            startxref,
            xref_is_stream: false,
        };
        let mut next = Some(startxref);
        let mut seen = Vec::new();
        let mut first = true;
        while let Some(offset) = next {
            if seen.contains(&offset) || seen.len() > 1000 {
                return Err(bad("cross-reference sections loop"));
            }
            seen.push(offset);
            let (trailer, is_stream) = doc.read_section(offset)?;
            if first {
                doc.trailer = trailer.clone();
                doc.xref_is_stream = is_stream;
                first = false;
            }
            if let Some(Obj::Int(stm)) = dict_get(&trailer, "XRefStm") {
                doc.read_section(*stm as usize)?;
            }
            next = match dict_get(&trailer, "Prev") {
                Some(Obj::Int(p)) => Some(*p as usize),
                _ => None,
            };
        }
        Ok(doc)
    }

    /// Reads one section; entries already known (from newer sections) win.
    fn read_section(&mut self, offset: usize) -> Result<(Dict, bool), SignError> {
        if offset >= self.data.len() {
            return Err(bad("startxref beyond the end of the file"));
        }
        let mut lx = Lexer::new(self.data, offset);
        lx.skip_ws();
        if lx.starts_with(b"xref") {
            lx.pos += 4;
            loop {
                lx.skip_ws();
                if lx.starts_with(b"trailer") {
                    lx.pos += 7;
                    let Obj::Dict(trailer) = lx.object(0)? else {
                        return Err(bad("trailer is not a dictionary"));
                    };
                    return Ok((trailer, false));
                }
                let start = lx.uint()?;
                let count = lx.uint()?;
                for i in 0..count {
                    let off = lx.uint()?;
                    let _gen = lx.uint()?;
                    let kind = lx.word();
                    let num = (start + i) as u32;
                    if kind == b"n" {
                        self.xref.entry(num).or_insert(Loc::Offset(off as usize));
                    }
                }
            }
        }
        // A cross-reference stream.
        let (_, obj) = self.object_at(offset)?;
        let Obj::Stream(dict, raw) = obj else {
            return Err(bad("the cross-reference is neither a table nor a stream"));
        };
        let data = decode_stream(&dict, raw)?;
        let widths: Vec<usize> = match dict_get(&dict, "W") {
            Some(Obj::Array(w)) => w
                .iter()
                .map(|o| match o {
                    Obj::Int(n) if (0..=8).contains(n) => Ok(*n as usize),
                    _ => Err(bad("bad /W")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(bad("cross-reference stream without /W")),
        };
        if widths.len() != 3 {
            return Err(bad("bad /W"));
        }
        let size = match dict_get(&dict, "Size") {
            Some(Obj::Int(n)) => *n,
            _ => return Err(bad("cross-reference stream without /Size")),
        };
        let index: Vec<i64> = match dict_get(&dict, "Index") {
            Some(Obj::Array(a)) => a
                .iter()
                .map(|o| match o {
                    Obj::Int(n) => Ok(*n),
                    _ => Err(bad("bad /Index")),
                })
                .collect::<Result<_, _>>()?,
            _ => vec![0, size],
        };
        let row = widths.iter().sum::<usize>();
        let mut pos = 0;
        let field = |bytes: &[u8]| bytes.iter().fold(0usize, |a, b| (a << 8) | usize::from(*b));
        for pair in index.chunks(2) {
            let (start, count) = (pair[0], *pair.get(1).unwrap_or(&0));
            for i in 0..count {
                if pos + row > data.len() {
                    return Err(bad("cross-reference stream too short"));
                }
                let r = &data[pos..pos + row];
                pos += row;
                let kind = if widths[0] == 0 {
                    1
                } else {
                    field(&r[..widths[0]])
                };
                let a = field(&r[widths[0]..widths[0] + widths[1]]);
                let b = field(&r[widths[0] + widths[1]..]);
                let num = (start + i) as u32;
                let loc = match kind {
                    1 => Loc::Offset(a),
                    2 => Loc::InStream(a as u32, b),
                    _ => continue,
                };
                self.xref.entry(num).or_insert(loc);
            }
        }
        Ok((dict, true))
    }

    /// The object written at `offset` (`N G obj … endobj`).
    fn object_at(&self, offset: usize) -> Result<(u32, Obj), SignError> {
        let mut lx = Lexer::new(self.data, offset);
        let num = lx.uint()? as u32;
        let _gen = lx.uint()?;
        lx.expect_word("obj")?;
        let obj = lx.object(0)?;
        lx.skip_ws();
        if let Obj::Dict(dict) = &obj
            && lx.starts_with(b"stream")
        {
            lx.pos += 6;
            if lx.starts_with(b"\r\n") {
                lx.pos += 2;
            } else if lx.starts_with(b"\n") || lx.starts_with(b"\r") {
                lx.pos += 1;
            }
            let start = lx.pos;
            let len = match dict_get(dict, "Length") {
                Some(Obj::Int(n)) => Some(*n as usize),
                Some(Obj::Ref(n, _)) => match self.get(*n) {
                    Ok(Obj::Int(n)) => Some(n as usize),
                    _ => None,
                },
                _ => None,
            };
            let end = match len {
                Some(l) if start + l <= self.data.len() => start + l,
                _ => {
                    start
                        + find_first(&self.data[start..], b"endstream")
                            .ok_or_else(|| bad("stream without endstream"))?
                }
            };
            return Ok((
                num,
                Obj::Stream(dict.clone(), self.data[start..end].to_vec()),
            ));
        }
        Ok((num, obj))
    }

    /// Object number `num`, resolved through the cross-reference.
    pub(crate) fn get(&self, num: u32) -> Result<Obj, SignError> {
        match self.xref.get(&num) {
            None => Ok(Obj::Null),
            Some(Loc::Offset(off)) => {
                let (found, obj) = self.object_at(*off)?;
                if found != num {
                    return Err(bad(format!(
                        "object {num} is not where the cross-reference says"
                    )));
                }
                Ok(obj)
            }
            Some(Loc::InStream(stream_num, index)) => {
                let Some(Loc::Offset(off)) = self.xref.get(stream_num) else {
                    return Err(bad("object stream not found"));
                };
                let (_, Obj::Stream(dict, raw)) = self.object_at(*off)? else {
                    return Err(bad("object stream is not a stream"));
                };
                let data = decode_stream(&dict, raw)?;
                let (n, first) = match (dict_get(&dict, "N"), dict_get(&dict, "First")) {
                    (Some(Obj::Int(n)), Some(Obj::Int(f))) => (*n as usize, *f as usize),
                    _ => return Err(bad("object stream without /N /First")),
                };
                let mut lx = Lexer::new(&data, 0);
                let mut target = None;
                for i in 0..n {
                    let objnum = lx.uint()? as u32;
                    let off = lx.uint()? as usize;
                    if i == *index || objnum == num {
                        target = Some(off);
                        if objnum == num {
                            break;
                        }
                    }
                }
                let off = target.ok_or_else(|| bad("object not in its object stream"))?;
                let mut lx = Lexer::new(&data, first + off);
                lx.object(0)
            }
        }
    }

    /// Follows a reference (other objects are returned as they are).
    pub(crate) fn resolve(&self, obj: &Obj) -> Result<Obj, SignError> {
        match obj {
            Obj::Ref(n, _) => self.get(*n),
            other => Ok(other.clone()),
        }
    }

    pub(crate) fn size(&self) -> u32 {
        let declared = match dict_get(&self.trailer, "Size") {
            Some(Obj::Int(n)) => *n as u32,
            _ => 0,
        };
        let highest = self.xref.keys().next_back().map_or(0, |n| n + 1);
        declared.max(highest)
    }
}

fn decode_stream(dict: &Dict, raw: Vec<u8>) -> Result<Vec<u8>, SignError> {
    let filter = match dict_get(dict, "Filter") {
        None => None,
        Some(Obj::Name(n)) => Some(n.clone()),
        Some(Obj::Array(a)) if a.len() == 1 => match &a[0] {
            Obj::Name(n) => Some(n.clone()),
            _ => return Err(bad("unsupported filter")),
        },
        Some(Obj::Array(a)) if a.is_empty() => None,
        _ => return Err(bad("unsupported filter chain")),
    };
    let data = match filter.as_deref() {
        None => raw,
        Some(b"FlateDecode") => {
            let mut out = Vec::new();
            flate2::read::ZlibDecoder::new(raw.as_slice())
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("FlateDecode: {e}")))?;
            out
        }
        Some(other) => {
            return Err(bad(format!(
                "unsupported filter {}",
                String::from_utf8_lossy(other)
            )));
        }
    };
    let params = match dict_get(dict, "DecodeParms") {
        Some(Obj::Dict(d)) => d.clone(),
        Some(Obj::Array(a)) => match a.first() {
            Some(Obj::Dict(d)) => d.clone(),
            _ => Dict::new(),
        },
        _ => Dict::new(),
    };
    let predictor = match dict_get(&params, "Predictor") {
        Some(Obj::Int(p)) => *p,
        _ => 1,
    };
    if predictor < 10 {
        return Ok(data);
    }
    let columns = match dict_get(&params, "Columns") {
        Some(Obj::Int(c)) if *c > 0 => *c as usize,
        _ => 1,
    };
    // PNG predictors, one byte per pixel (what cross-reference streams use).
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; columns];
    for row in data.chunks(columns + 1) {
        if row.len() < columns + 1 {
            break;
        }
        let kind = row[0];
        let mut cur = row[1..].to_vec();
        for i in 0..columns {
            let left = if i > 0 { cur[i - 1] } else { 0 };
            let up = prev[i];
            let up_left = if i > 0 { prev[i - 1] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => {
                    let p = i16::from(left) + i16::from(up) - i16::from(up_left);
                    let (pa, pb, pc) = (
                        (p - i16::from(left)).abs(),
                        (p - i16::from(up)).abs(),
                        (p - i16::from(up_left)).abs(),
                    );
                    let pred = if pa <= pb && pa <= pc {
                        left
                    } else if pb <= pc {
                        up
                    } else {
                        up_left
                    };
                    cur[i].wrapping_add(pred)
                }
                _ => return Err(bad("unknown PNG predictor")),
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

pub(crate) fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

pub(crate) fn find_first(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Appends `objects` to `original` as an incremental update, with a cross-reference section of
/// the same kind as the newest one in the file. `body` holds each object's serialized bytes.
pub(crate) fn incremental_update(
    doc: &Document<'_>,
    objects: &[(u32, Vec<u8>)],
    new_size: u32,
) -> Vec<u8> {
    let mut out = doc.data.to_vec();
    if !matches!(out.last(), Some(b'\n') | Some(b'\r')) {
        out.push(b'\n');
    }
    let mut offsets = Vec::new();
    for (num, body) in objects {
        offsets.push((*num, out.len()));
        out.extend_from_slice(format!("{num} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    offsets.sort();
    // Contiguous runs of object numbers.
    let mut runs: Vec<(u32, Vec<usize>)> = Vec::new();
    for (num, off) in &offsets {
        match runs.last_mut() {
            Some((start, offs)) if *start + offs.len() as u32 == *num => offs.push(*off),
            _ => runs.push((*num, vec![*off])),
        }
    }
    let mut trailer = Dict::new();
    for key in ["Root", "Info", "ID"] {
        if let Some(v) = dict_get(&doc.trailer, key) {
            trailer.push((key.as_bytes().to_vec(), v.clone()));
        }
    }
    dict_set(&mut trailer, "Prev", Obj::Int(doc.startxref as i64));
    let xref_at = out.len();
    if doc.xref_is_stream {
        let xref_num = new_size;
        let mut rows = Vec::new();
        let mut index = Vec::new();
        let mut all = runs.clone();
        all.push((xref_num, vec![xref_at]));
        for (start, offs) in &all {
            index.push(Obj::Int(i64::from(*start)));
            index.push(Obj::Int(offs.len() as i64));
            for off in offs {
                rows.push(1u8);
                rows.extend_from_slice(&(*off as u32).to_be_bytes());
                rows.extend_from_slice(&[0, 0]);
            }
        }
        dict_set(&mut trailer, "Type", Obj::Name(b"XRef".to_vec()));
        dict_set(&mut trailer, "Size", Obj::Int(i64::from(xref_num + 1)));
        dict_set(&mut trailer, "Index", Obj::Array(index));
        dict_set(
            &mut trailer,
            "W",
            Obj::Array(vec![Obj::Int(1), Obj::Int(4), Obj::Int(2)]),
        );
        out.extend_from_slice(format!("{xref_num} 0 obj\n").as_bytes());
        write_obj(&mut out, &Obj::Stream(trailer, rows));
        out.extend_from_slice(b"\nendobj\n");
    } else {
        out.extend_from_slice(b"xref\n");
        for (start, offs) in &runs {
            out.extend_from_slice(format!("{start} {}\n", offs.len()).as_bytes());
            for off in offs {
                out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes());
            }
        }
        dict_set(&mut trailer, "Size", Obj::Int(i64::from(new_size)));
        out.extend_from_slice(b"trailer\n");
        write_obj(&mut out, &Obj::Dict(trailer));
        out.push(b'\n');
    }
    out.extend_from_slice(format!("startxref\n{xref_at}\n%%EOF\n").as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_utf16_with_bom_beyond_ascii() {
        assert_eq!(text_string("Hanoi"), Obj::Str(b"Hanoi".to_vec()));
        let Obj::Str(bytes) = text_string("Hà Nội") else {
            panic!("not a string")
        };
        assert_eq!(&bytes[..4], &[0xFE, 0xFF, 0x00, b'H']);
        assert_eq!(decode_text(&bytes), "Hà Nội");
    }

    #[test]
    fn objects_round_trip() {
        let src = b"<< /Type /Sig /A [1 0 R 2 -3.5 (a\\)b) <414>] /N null /B true >>";
        let obj = Lexer::new(src, 0).object(0).expect("parses");
        let mut out = Vec::new();
        write_obj(&mut out, &obj);
        let again = Lexer::new(&out, 0).object(0).expect("parses again");
        assert_eq!(obj, again);
        let Obj::Dict(d) = obj else { panic!() };
        let Some(Obj::Array(a)) = dict_get(&d, "A") else {
            panic!()
        };
        assert_eq!(a[0], Obj::Ref(1, 0));
        assert_eq!(a[3], Obj::Str(b"a)b".to_vec()));
        assert_eq!(a[4], Obj::Str(b"A@".to_vec()));
    }
}
