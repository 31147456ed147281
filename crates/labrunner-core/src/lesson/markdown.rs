//! Markdown rendered into a neutral model of styled, wrapped lines (no terminal types), with
//! the section list.

use pulldown_cmark::{Alignment, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// How a run of text looks. The TUI maps this onto its own colours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SpanStyle {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    /// Inline code or a code block line.
    pub code: bool,
    pub link: bool,
    /// Structural decoration (bullets, table borders, quote bars).
    pub decoration: bool,
}

impl SpanStyle {
    const DECORATION: SpanStyle = SpanStyle {
        bold: false,
        italic: false,
        strike: false,
        code: false,
        link: false,
        decoration: true,
    };
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledSpan {
    pub text: String,
    pub style: SpanStyle,
}

impl StyledSpan {
    pub fn new(text: impl Into<String>, style: SpanStyle) -> Self {
        StyledSpan {
            text: text.into(),
            style,
        }
    }
}

/// What block a line belongs to, for line-wide styling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Heading(u8),
    Text,
    Code,
    TableHeader,
    Table,
    Rule,
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyledLine {
    pub kind: LineKind,
    pub spans: Vec<StyledSpan>,
}

impl StyledLine {
    fn blank() -> Self {
        StyledLine {
            kind: LineKind::Blank,
            spans: Vec::new(),
        }
    }
    /// The line's text without styling.
    pub fn plain(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A heading, and the rendered line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub level: u8,
    pub title: String,
    pub line: usize,
}

/// Markdown rendered for a given width.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub lines: Vec<StyledLine>,
    pub sections: Vec<Section>,
    /// Where the rendering left something out (a marker line says so in `lines`).
    pub cuts: Vec<Cut>,
}

impl Rendered {
    /// The section a line belongs to (the last heading at or above it).
    pub fn section_at(&self, line: usize) -> Option<usize> {
        self.sections.iter().rposition(|s| s.line <= line)
    }

    /// What the lines hold, in bytes, as [`MAX_RENDERED_BYTES`] counts them.
    pub fn size(&self) -> usize {
        self.lines.iter().map(line_size).sum()
    }
}

/// Lists and block quotes nested deeper than this are not rendered (a marker line says so):
/// each level indents every line below it, so the depth must be bounded.
pub const MAX_NESTING: usize = 16;
/// Columns of a table beyond this are not rendered.
pub const MAX_TABLE_COLUMNS: usize = 32;
/// Rows of a table beyond this are not rendered.
pub const MAX_TABLE_ROWS: usize = 1000;
/// The most a rendering holds (text and line overhead, see [`Rendered::size`]); what would go
/// beyond it is not rendered. Far more than a lesson within the 1 MiB read bound needs at any
/// sensible width; it bounds what rendering cannot bound otherwise (code lines padded to the
/// width, many short blocks).
pub const MAX_RENDERED_BYTES: usize = 16 << 20;
/// Wider than this, text is rendered as if it were this wide.
pub const MAX_WIDTH: u16 = 1000;

/// Something the renderer left out, and where in the markdown it starts (a byte offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    pub offset: usize,
    pub what: CutKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CutKind {
    /// A list or block quote nested deeper than [`MAX_NESTING`].
    Nesting,
    /// A table row with more than [`MAX_TABLE_COLUMNS`] cells.
    TableColumns,
    /// A table with more than [`MAX_TABLE_ROWS`] rows.
    TableRows,
    /// The rest of the document, past [`MAX_RENDERED_BYTES`].
    Length,
}

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.what {
            CutKind::Nesting => write!(
                f,
                "lists and quotes nested deeper than {MAX_NESTING} levels are not shown"
            ),
            CutKind::TableColumns => {
                write!(f, "table columns beyond {MAX_TABLE_COLUMNS} are not shown")
            }
            CutKind::TableRows => write!(f, "table rows beyond {MAX_TABLE_ROWS} are not shown"),
            CutKind::Length => write!(
                f,
                "the rest of the document is not shown: rendered, it would take more than {} MiB",
                MAX_RENDERED_BYTES >> 20
            ),
        }
    }
}

/// Renders markdown into lines no wider than `width` columns, except code: a code line is kept
/// whole (its last span holds the code; whoever draws it cuts or scrolls it sideways).
/// What goes beyond the bounds above is left out, with a marker line where it was, and listed
/// in [`Rendered::cuts`].
pub fn render_markdown(markdown: &str, width: u16) -> Rendered {
    let mut r = Renderer::new(width.clamp(10, MAX_WIDTH) as usize);
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        if r.full {
            break;
        }
        r.at = range.start;
        r.event(event);
    }
    r.finish()
}

/// The bytes a line takes: its text and the overhead of the line and each span.
fn line_size(line: &StyledLine) -> usize {
    std::mem::size_of::<StyledLine>()
        + line
            .spans
            .iter()
            .map(|s| std::mem::size_of::<StyledSpan>() + s.text.len())
            .sum::<usize>()
}

const CUT_MARK: &str = "⋯ ";

/// The first level-1 heading's text, if any.
pub fn title_of(markdown: &str) -> Option<String> {
    let mut in_h1 = false;
    let mut title = String::new();
    for event in Parser::new_ext(markdown, Options::ENABLE_YAML_STYLE_METADATA_BLOCKS) {
        match event {
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => in_h1 = true,
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => return Some(title.trim().to_string()),
            Event::Text(t) | Event::Code(t) if in_h1 => title.push_str(&t),
            _ => {}
        }
    }
    None
}

struct ListLevel {
    next_number: Option<u64>,
}

struct Table {
    alignments: Vec<Alignment>,
    header: Vec<Vec<StyledSpan>>,
    rows: Vec<Vec<Vec<StyledSpan>>>,
    in_head: bool,
    current_row: Vec<Vec<StyledSpan>>,
    /// Cells seen in the current row, kept or not.
    cells_in_row: usize,
    /// The current cell or row is past the bounds: its text is dropped.
    dropping_cell: bool,
    dropping_row: bool,
    /// The most cells a row had, and the rows left out.
    widest_row: usize,
    rows_left_out: usize,
}

struct Renderer {
    width: usize,
    out: Rendered,
    inline: Vec<StyledSpan>,
    bold: u32,
    italic: u32,
    strike: u32,
    link: u32,
    link_urls: Vec<String>,
    lists: Vec<ListLevel>,
    /// A list marker waiting for the item's first line.
    pending_marker: Option<String>,
    quote: usize,
    code: Option<String>,
    heading: Option<u8>,
    table: Option<Table>,
    in_metadata: bool,
    in_image: bool,
    /// Byte offset in the markdown of the event being rendered.
    at: usize,
    /// Inside a list or quote nested too deep: how many tags are open in it.
    skipping: usize,
    /// Bytes the lines hold so far ([`line_size`]).
    used: usize,
    /// [`MAX_RENDERED_BYTES`] is reached: nothing more is rendered.
    full: bool,
}

impl Renderer {
    fn new(width: usize) -> Self {
        Renderer {
            width,
            out: Rendered::default(),
            inline: Vec::new(),
            bold: 0,
            italic: 0,
            strike: 0,
            link: 0,
            link_urls: Vec::new(),
            lists: Vec::new(),
            pending_marker: None,
            quote: 0,
            code: None,
            heading: None,
            table: None,
            in_metadata: false,
            in_image: false,
            at: 0,
            skipping: 0,
            used: 0,
            full: false,
        }
    }

    /// Adds a line, unless the rendering is full; the first line that does not fit makes way
    /// for a marker saying the rest is not shown.
    fn push_line(&mut self, line: StyledLine) {
        if self.full {
            return;
        }
        let size = line_size(&line);
        // Room is kept for the marker itself.
        if self.used + size + 256 > MAX_RENDERED_BYTES {
            self.full = true;
            let cut = Cut {
                offset: self.at,
                what: CutKind::Length,
            };
            let marker = StyledLine {
                kind: LineKind::Text,
                spans: vec![StyledSpan::new(
                    format!("{CUT_MARK}{cut}"),
                    SpanStyle::DECORATION,
                )],
            };
            self.used += line_size(&marker);
            self.out.lines.push(marker);
            self.out.cuts.push(cut);
            return;
        }
        self.used += size;
        self.out.lines.push(line);
    }

    /// A marker line where something was left out, at the current indentation.
    fn push_cut(&mut self, what: CutKind) {
        let cut = Cut {
            offset: self.at,
            what,
        };
        let (mut spans, _) = self.prefixes();
        spans.push(StyledSpan::new(
            format!("{CUT_MARK}{cut}"),
            SpanStyle::DECORATION,
        ));
        self.push_line(StyledLine {
            kind: LineKind::Text,
            spans,
        });
        self.out.cuts.push(cut);
    }

    fn style(&self) -> SpanStyle {
        SpanStyle {
            bold: self.bold > 0 || self.heading.is_some(),
            italic: self.italic > 0,
            strike: self.strike > 0,
            code: false,
            link: self.link > 0,
            decoration: false,
        }
    }

    fn push_text(&mut self, text: &str, style: SpanStyle) {
        if let Some(table) = &mut self.table {
            if !table.dropping_cell
                && !table.dropping_row
                && let Some(cell) = table.current_row.last_mut()
            {
                push_styled(cell, text, style);
            }
            return;
        }
        push_styled(&mut self.inline, text, style);
    }

    fn blank(&mut self) {
        if self
            .out
            .lines
            .last()
            .is_some_and(|l| l.kind != LineKind::Blank)
        {
            self.push_line(StyledLine::blank());
        }
    }

    /// Prefix for the current block: quote bars, list indentation and (once) the list marker.
    fn prefixes(&mut self) -> (Vec<StyledSpan>, Vec<StyledSpan>) {
        let mut first = Vec::new();
        let mut rest = Vec::new();
        if self.quote > 0 {
            let bars = "│ ".repeat(self.quote);
            first.push(StyledSpan::new(bars.clone(), SpanStyle::DECORATION));
            rest.push(StyledSpan::new(bars, SpanStyle::DECORATION));
        }
        if !self.lists.is_empty() {
            let indent = "  ".repeat(self.lists.len() - 1);
            match self.pending_marker.take() {
                Some(marker) => {
                    let pad = " ".repeat(marker.width());
                    first.push(StyledSpan::new(
                        format!("{indent}{marker}"),
                        SpanStyle::DECORATION,
                    ));
                    rest.push(StyledSpan::new(
                        format!("{indent}{pad}"),
                        SpanStyle::DECORATION,
                    ));
                }
                None => {
                    let pad = format!("{indent}  ");
                    first.push(StyledSpan::new(pad.clone(), SpanStyle::DECORATION));
                    rest.push(StyledSpan::new(pad, SpanStyle::DECORATION));
                }
            }
        }
        (first, rest)
    }

    /// Wraps the pending inline text into lines of `kind`.
    fn flush(&mut self, kind: LineKind) {
        if self.inline.is_empty() && self.pending_marker.is_none() {
            return;
        }
        let spans = std::mem::take(&mut self.inline);
        let (first, rest) = self.prefixes();
        // Hard breaks arrive as "\n" spans: wrap each segment on its own.
        let mut segment = Vec::new();
        let mut segments = Vec::new();
        for span in spans {
            let mut parts = span.text.split('\n').peekable();
            while let Some(part) = parts.next() {
                if !part.is_empty() {
                    segment.push(StyledSpan::new(part, span.style));
                }
                if parts.peek().is_some() {
                    segments.push(std::mem::take(&mut segment));
                }
            }
        }
        segments.push(segment);
        let mut first_prefix = Some(first);
        for seg in segments {
            let prefix = first_prefix.take().unwrap_or_else(|| rest.clone());
            for line in wrap(&seg, &prefix, &rest, self.width) {
                self.push_line(StyledLine { kind, spans: line });
            }
        }
    }

    fn event(&mut self, event: Event<'_>) {
        if self.skipping > 0 {
            match event {
                Event::Start(_) => self.skipping += 1,
                Event::End(_) => self.skipping -= 1,
                _ => {}
            }
            return;
        }
        if self.in_metadata {
            if let Event::End(TagEnd::MetadataBlock(_)) = event {
                self.in_metadata = false;
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if let Some(code) = &mut self.code {
                    code.push_str(&t);
                } else {
                    let style = self.style();
                    self.push_text(&t, style);
                }
            }
            Event::Code(t) => {
                let style = SpanStyle {
                    code: true,
                    ..self.style()
                };
                self.push_text(&t, style);
            }
            Event::InlineMath(t) | Event::DisplayMath(t) => {
                let style = SpanStyle {
                    code: true,
                    ..self.style()
                };
                self.push_text(&t, style);
            }
            Event::Html(t) | Event::InlineHtml(t) => {
                let style = self.style();
                self.push_text(t.trim_end_matches('\n'), style);
            }
            Event::FootnoteReference(t) => {
                let style = self.style();
                self.push_text(&format!("[{t}]"), style);
            }
            Event::SoftBreak => {
                let style = self.style();
                self.push_text(" ", style);
            }
            Event::HardBreak => {
                let style = self.style();
                self.push_text("\n", style);
            }
            Event::Rule => {
                self.flush(LineKind::Text);
                self.push_line(StyledLine {
                    kind: LineKind::Rule,
                    spans: vec![StyledSpan::new(
                        "─".repeat(self.width),
                        SpanStyle::DECORATION,
                    )],
                });
                self.blank();
            }
            Event::TaskListMarker(done) => {
                self.push_text(if done { "[x] " } else { "[ ] " }, SpanStyle::DECORATION);
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        if matches!(tag, Tag::List(_) | Tag::BlockQuote(_))
            && self.lists.len() + self.quote >= MAX_NESTING
        {
            self.flush(LineKind::Text);
            self.push_cut(CutKind::Nesting);
            self.skipping = 1;
            return;
        }
        match tag {
            Tag::Paragraph => {}
            Tag::Heading { level, .. } => {
                self.flush(LineKind::Text);
                self.heading = Some(level as u8);
            }
            Tag::BlockQuote(_) => {
                self.flush(LineKind::Text);
                self.quote += 1;
            }
            Tag::CodeBlock(_) => {
                self.flush(LineKind::Text);
                self.code = Some(String::new());
            }
            Tag::List(start) => {
                self.flush(LineKind::Text);
                self.lists.push(ListLevel { next_number: start });
            }
            Tag::Item => {
                self.flush(LineKind::Text);
                let marker = match self.lists.last_mut() {
                    Some(ListLevel {
                        next_number: Some(n),
                    }) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_string(),
                };
                self.pending_marker = Some(marker);
            }
            Tag::Table(alignments) => {
                self.flush(LineKind::Text);
                self.table = Some(Table {
                    alignments,
                    header: Vec::new(),
                    rows: Vec::new(),
                    in_head: false,
                    current_row: Vec::new(),
                    cells_in_row: 0,
                    dropping_cell: false,
                    dropping_row: false,
                    widest_row: 0,
                    rows_left_out: 0,
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                    t.current_row.clear();
                    t.cells_in_row = 0;
                }
            }
            Tag::TableRow => {
                let at = self.at;
                if let Some(t) = &mut self.table {
                    t.current_row.clear();
                    t.cells_in_row = 0;
                    t.dropping_row = t.rows.len() >= MAX_TABLE_ROWS;
                    if t.dropping_row {
                        t.rows_left_out += 1;
                        if t.rows_left_out == 1 {
                            self.out.cuts.push(Cut {
                                offset: at,
                                what: CutKind::TableRows,
                            });
                        }
                    }
                }
            }
            Tag::TableCell => {
                let at = self.at;
                if let Some(t) = &mut self.table {
                    t.cells_in_row += 1;
                    t.dropping_cell = t.cells_in_row > MAX_TABLE_COLUMNS;
                    if t.dropping_cell && t.widest_row <= MAX_TABLE_COLUMNS && !t.dropping_row {
                        self.out.cuts.push(Cut {
                            offset: at,
                            what: CutKind::TableColumns,
                        });
                    }
                    if !t.dropping_row {
                        t.widest_row = t.widest_row.max(t.cells_in_row);
                    }
                    if !t.dropping_cell && !t.dropping_row {
                        t.current_row.push(Vec::new());
                    }
                }
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link { dest_url, .. } => {
                self.link += 1;
                self.link_urls.push(dest_url.to_string());
            }
            Tag::Image { .. } => {
                self.in_image = true;
                self.push_text("[image: ", SpanStyle::DECORATION);
            }
            Tag::MetadataBlock(_) => self.in_metadata = true,
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => {
                self.flush(LineKind::Text);
                self.blank();
            }
            TagEnd::Heading(level) => self.end_heading(level),
            TagEnd::BlockQuote(_) => {
                self.flush(LineKind::Text);
                self.quote = self.quote.saturating_sub(1);
                self.blank();
            }
            TagEnd::CodeBlock => self.end_code_block(),
            TagEnd::List(_) => {
                self.flush(LineKind::Text);
                self.lists.pop();
                if self.lists.is_empty() {
                    self.blank();
                }
            }
            TagEnd::Item => self.flush(LineKind::Text),
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header = std::mem::take(&mut t.current_row);
                    t.in_head = false;
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table
                    && !t.in_head
                    && !t.dropping_row
                {
                    let row = std::mem::take(&mut t.current_row);
                    t.rows.push(row);
                }
            }
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table {
                    t.dropping_cell = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.render_table(t);
                }
                self.blank();
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => self.end_link(),
            TagEnd::Image => {
                self.in_image = false;
                self.push_text("]", SpanStyle::DECORATION);
            }
            _ => {}
        }
    }

    /// A heading's line, recorded as a section, with a blank line on each side.
    fn end_heading(&mut self, level: HeadingLevel) {
        let title: String = self.inline.iter().map(|s| s.text.as_str()).collect();
        self.blank();
        let line = self.out.lines.len();
        self.out.sections.push(Section {
            level: level as u8,
            title: title.trim().to_string(),
            line,
        });
        self.flush(LineKind::Heading(level as u8));
        self.heading = None;
        self.blank();
    }

    /// The collected code block, one padded line per source line.
    fn end_code_block(&mut self) {
        let code = self.code.take().unwrap_or_default();
        let (prefix, _) = self.prefixes();
        let avail = self.width.saturating_sub(width_of(&prefix)).max(1);
        let style = SpanStyle {
            code: true,
            ..SpanStyle::default()
        };
        for raw in code.trim_end_matches('\n').split('\n') {
            let raw = raw.replace('\t', "    ");
            // Code never wraps (a wrapped command cannot be copied): a long line is kept
            // whole, its last span the code, for the reader to scroll it sideways.
            let mut spans = prefix.clone();
            let padded = format!(" {raw}");
            let pad = avail.saturating_sub(padded.width());
            spans.push(StyledSpan::new(
                format!("{padded}{}", " ".repeat(pad)),
                style,
            ));
            self.push_line(StyledLine {
                kind: LineKind::Code,
                spans,
            });
        }
        self.blank();
    }

    /// After a link's text: its address in angle brackets, unless the text already shows it
    /// or it points inside the page.
    fn end_link(&mut self) {
        self.link = self.link.saturating_sub(1);
        if let Some(url) = self.link_urls.pop() {
            let text: String = self.inline.iter().map(|s| s.text.as_str()).collect();
            if !url.is_empty() && !text.ends_with(url.as_str()) && !url.starts_with('#') {
                self.push_text(&format!(" <{url}>"), SpanStyle::DECORATION);
            }
        }
    }

    fn render_table(&mut self, t: Table) {
        let columns = t
            .rows
            .iter()
            .map(Vec::len)
            .chain([t.header.len()])
            .max()
            .unwrap_or(0);
        if columns == 0 {
            return;
        }
        let (prefix, _) = self.prefixes();
        let avail = self.width.saturating_sub(width_of(&prefix));
        let widths = column_widths(&t, columns, avail);
        let border = |l: &str, m: &str, r: &str| {
            let inner: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
            format!("{l}{}{r}", inner.join(m))
        };
        let push_border = |r: &mut Renderer, text: String| {
            let mut spans = prefix.clone();
            spans.push(StyledSpan::new(text, SpanStyle::DECORATION));
            r.push_line(StyledLine {
                kind: LineKind::Table,
                spans,
            });
        };
        // Each cell wrapped to its column; a row is as tall as its tallest cell.
        let row_lines = |row: &Vec<Vec<StyledSpan>>, header: bool| {
            let cells: Vec<Vec<Vec<StyledSpan>>> = widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let mut cell = row.get(i).cloned().unwrap_or_default();
                    if header {
                        for s in &mut cell {
                            s.style.bold = true;
                        }
                    }
                    wrap(&cell, &[], &[], *w)
                })
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(0).max(1);
            (0..height)
                .map(|k| {
                    let parts: Vec<&[StyledSpan]> = cells
                        .iter()
                        .map(|c| c.get(k).map_or(&[][..], Vec::as_slice))
                        .collect();
                    let mut spans = prefix.clone();
                    spans.extend(table_row(&parts, &widths, &t.alignments));
                    spans
                })
                .collect::<Vec<_>>()
        };
        let body: Vec<Vec<Vec<StyledSpan>>> = t.rows.iter().map(|r| row_lines(r, false)).collect();
        // Rows that wrap are told apart by a rule between them.
        let ruled = body.iter().any(|lines| lines.len() > 1);
        push_border(self, border("┌", "┬", "┐"));
        if !t.header.is_empty() {
            for spans in row_lines(&t.header, true) {
                self.push_line(StyledLine {
                    kind: LineKind::TableHeader,
                    spans,
                });
            }
            push_border(self, border("├", "┼", "┤"));
        }
        for (i, lines) in body.into_iter().enumerate() {
            if ruled && i > 0 {
                push_border(self, border("├", "┼", "┤"));
            }
            for spans in lines {
                self.push_line(StyledLine {
                    kind: LineKind::Table,
                    spans,
                });
            }
        }
        push_border(self, border("└", "┴", "┘"));
        let mut left_out = Vec::new();
        if t.rows_left_out > 0 {
            left_out.push(format!("{} more rows", t.rows_left_out));
        }
        if t.widest_row > MAX_TABLE_COLUMNS {
            left_out.push(format!("{} more columns", t.widest_row - MAX_TABLE_COLUMNS));
        }
        if !left_out.is_empty() {
            let mut spans = prefix.clone();
            spans.push(StyledSpan::new(
                format!("{CUT_MARK}table cut: {} not shown", left_out.join(" and ")),
                SpanStyle::DECORATION,
            ));
            self.push_line(StyledLine {
                kind: LineKind::Text,
                spans,
            });
        }
    }

    fn finish(mut self) -> Rendered {
        self.flush(LineKind::Text);
        while self
            .out
            .lines
            .last()
            .is_some_and(|l| l.kind == LineKind::Blank)
        {
            self.out.lines.pop();
        }
        self.out
    }
}

/// Each column's width: its widest cell, the widest columns shrunk until the table fits in
/// `avail` (borders take 3 columns per cell plus one). A column is shrunk below its longest
/// word (which then breaks) only when every column is down to its own.
fn column_widths(t: &Table, columns: usize, avail: usize) -> Vec<usize> {
    let mut widths = vec![1usize; columns];
    let mut words = vec![1usize; columns];
    for row in std::iter::once(&t.header).chain(t.rows.iter()) {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(width_of(cell));
            let text: String = cell.iter().map(|s| s.text.as_str()).collect();
            let longest = text
                .split_whitespace()
                .map(|w| w.width())
                .max()
                .unwrap_or(1);
            words[i] = words[i].max(longest);
        }
    }
    let budget = avail.saturating_sub(3 * columns + 1).max(columns);
    while widths.iter().sum::<usize>() > budget {
        let above_words = (0..columns)
            .filter(|i| widths[*i] > words[*i])
            .max_by_key(|i| widths[*i]);
        let widest = (0..columns).max_by_key(|i| widths[*i]);
        let Some(i) = above_words.or(widest) else {
            break;
        };
        if widths[i] <= 1 {
            break;
        }
        widths[i] -= 1;
    }
    widths
}

/// One line of a table row between its side borders: each cell's line (wrapped to its
/// column's width) aligned in its column.
fn table_row(
    cells: &[&[StyledSpan]],
    widths: &[usize],
    alignments: &[Alignment],
) -> Vec<StyledSpan> {
    let mut spans = Vec::new();
    for (i, w) in widths.iter().enumerate() {
        spans.push(StyledSpan::new(
            if i == 0 { "│ " } else { " │ " },
            SpanStyle::DECORATION,
        ));
        let cell = truncate_spans(cells.get(i).copied().unwrap_or_default(), *w);
        let used = width_of(&cell);
        let pad = w.saturating_sub(used);
        let (left, right) = match alignments.get(i) {
            Some(Alignment::Right) => (pad, 0),
            Some(Alignment::Center) => (pad / 2, pad - pad / 2),
            _ => (0, pad),
        };
        if left > 0 {
            spans.push(StyledSpan::new(" ".repeat(left), SpanStyle::default()));
        }
        spans.extend(cell);
        if right > 0 {
            spans.push(StyledSpan::new(" ".repeat(right), SpanStyle::default()));
        }
    }
    spans.push(StyledSpan::new(" │", SpanStyle::DECORATION));
    spans
}

fn width_of(spans: &[StyledSpan]) -> usize {
    spans.iter().map(|s| s.text.width()).sum()
}

/// Splits a string into pieces of at most `width` columns.
fn hard_split(s: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > width && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
            w = 0;
        }
        cur.push(c);
        w += cw;
    }
    out.push(cur);
    out
}

/// Cuts spans to at most `width` columns, ending with `…` when something was cut.
fn truncate_spans(spans: &[StyledSpan], width: usize) -> Vec<StyledSpan> {
    if width_of(spans) <= width {
        return spans.to_vec();
    }
    let mut out = Vec::new();
    let mut used = 0;
    let limit = width.saturating_sub(1);
    'outer: for s in spans {
        let mut text = String::new();
        for c in s.text.chars() {
            let cw = c.width().unwrap_or(0);
            if used + cw > limit {
                out.push(StyledSpan::new(text, s.style));
                break 'outer;
            }
            text.push(c);
            used += cw;
        }
        out.push(StyledSpan::new(text, s.style));
    }
    out.push(StyledSpan::new("…", SpanStyle::DECORATION));
    out
}

fn push_styled(line: &mut Vec<StyledSpan>, text: &str, style: SpanStyle) {
    if let Some(last) = line.last_mut()
        && last.style == style
    {
        last.text.push_str(text);
        return;
    }
    line.push(StyledSpan::new(text, style));
}

/// Word-wraps styled text to `width` columns, starting lines with the given prefixes.
fn wrap(
    spans: &[StyledSpan],
    first_prefix: &[StyledSpan],
    rest_prefix: &[StyledSpan],
    width: usize,
) -> Vec<Vec<StyledSpan>> {
    // Words are runs of non-space characters, possibly in several styles.
    let mut words: Vec<(Vec<StyledSpan>, bool)> = Vec::new(); // (pieces, space before)
    let mut space_pending = false;
    let mut current: Vec<StyledSpan> = Vec::new();
    for span in spans {
        for c in span.text.chars() {
            if c.is_whitespace() {
                if !current.is_empty() {
                    words.push((std::mem::take(&mut current), space_pending));
                }
                space_pending = true;
            } else {
                let mut buf = [0u8; 4];
                push_styled(&mut current, c.encode_utf8(&mut buf), span.style);
            }
        }
    }
    if !current.is_empty() {
        words.push((current, space_pending));
    }

    let mut lines = Vec::new();
    let mut line: Vec<StyledSpan> = first_prefix.to_vec();
    let mut prefix_w = width_of(first_prefix);
    let mut used = prefix_w;
    let mut empty = true;
    for (word, space_before) in words {
        let ww = width_of(&word);
        let sep = usize::from(space_before && !empty);
        if !empty && used + sep + ww > width {
            lines.push(std::mem::replace(&mut line, rest_prefix.to_vec()));
            prefix_w = width_of(rest_prefix);
            used = prefix_w;
            empty = true;
        }
        if !empty && space_before {
            // The space takes the style of the text around it only when both sides agree.
            push_styled(&mut line, " ", SpanStyle::default());
            used += 1;
        }
        let avail = width.saturating_sub(prefix_w).max(1);
        if ww > avail.saturating_sub(used - prefix_w) && empty {
            // A word longer than a whole line: cut it.
            for piece in word {
                for chunk in hard_split(&piece.text, avail) {
                    if used + chunk.width() > width && !empty {
                        lines.push(std::mem::replace(&mut line, rest_prefix.to_vec()));
                        prefix_w = width_of(rest_prefix);
                        used = prefix_w;
                    }
                    used += chunk.width();
                    push_styled(&mut line, &chunk, piece.style);
                    empty = false;
                }
            }
            continue;
        }
        for piece in word {
            push_styled(&mut line, &piece.text, piece.style);
        }
        used += ww;
        empty = false;
    }
    if !empty || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(r: &Rendered) -> Vec<String> {
        r.lines.iter().map(|l| l.plain()).collect()
    }

    #[test]
    fn headings_become_sections_with_their_line() {
        let r = render_markdown(
            "# Title\n\nIntro text.\n\n## Part one\n\nBody.\n\n### Deeper\n",
            40,
        );
        let titles: Vec<_> = r
            .sections
            .iter()
            .map(|s| (s.level, s.title.as_str()))
            .collect();
        assert_eq!(titles, [(1, "Title"), (2, "Part one"), (3, "Deeper")]);
        for s in &r.sections {
            assert_eq!(r.lines[s.line].plain(), s.title);
            assert!(matches!(r.lines[s.line].kind, LineKind::Heading(_)));
        }
        assert_eq!(r.section_at(r.sections[1].line + 2), Some(1));
    }

    #[test]
    fn paragraphs_wrap_within_width_keeping_styles() {
        let r = render_markdown(
            "Some **bold words** and `code` in a sentence that is long.",
            20,
        );
        for line in &r.lines {
            assert!(line.plain().width() <= 20, "{:?}", line.plain());
        }
        let all: Vec<&StyledSpan> = r.lines.iter().flat_map(|l| &l.spans).collect();
        assert!(all.iter().any(|s| s.style.bold && s.text.contains("bold")));
        assert!(all.iter().any(|s| s.style.code && s.text == "code"));
        assert_eq!(
            plain(&r).join(" "),
            "Some bold words and code in a sentence that is long."
        );
    }

    #[test]
    fn lists_get_markers_and_hanging_indent() {
        let r = render_markdown(
            "- first item that wraps around\n- second\n  1. nested\n  2. again\n",
            16,
        );
        let lines = plain(&r);
        assert_eq!(lines[0], "• first item");
        assert_eq!(lines[1], "  that wraps");
        assert!(lines.contains(&"  1. nested".to_string()), "{lines:?}");
        assert!(lines.contains(&"  2. again".to_string()), "{lines:?}");
    }

    #[test]
    fn code_blocks_keep_lines_and_are_marked_as_code() {
        let r = render_markdown(
            "```sh\ndocker network create isolated-net\ndocker ps\n```\n",
            30,
        );
        let code: Vec<_> = r
            .lines
            .iter()
            .filter(|l| l.kind == LineKind::Code)
            .collect();
        // A long line is kept whole (the reader scrolls it sideways), never wrapped; a short
        // one is padded to the width.
        assert_eq!(code.len(), 2, "one line per line of code: {:?}", plain(&r));
        assert_eq!(code[0].plain(), " docker network create isolated-net");
        assert!(code.iter().all(|l| l.spans.iter().all(|s| s.style.code)));
        assert_eq!(code[1].plain().width(), 30);
    }

    #[test]
    fn tables_are_drawn_with_borders_and_fit() {
        let md = "| Driver | Use |\n|---|---|\n| bridge | default, one host |\n| none | no network at all |\n";
        let r = render_markdown(md, 30);
        let lines = plain(&r);
        assert!(lines[0].starts_with('┌'), "{lines:?}");
        assert!(lines.iter().any(|l| l.contains("Driver")));
        assert!(lines.iter().all(|l| l.width() <= 30), "{lines:?}");
        assert!(r.lines.iter().any(|l| l.kind == LineKind::TableHeader));
    }

    /// A cell wider than its column wraps inside it: every word of every cell is shown, rows
    /// that wrap are ruled apart, and nothing is wider than the width.
    #[test]
    fn table_cells_wrap_within_their_columns() {
        let md = "| Symptom | Cause | Fix |\n|---|---|---|\n\
                  | `network backend-net not found` | `--network` names a network that does not exist | `docker network create backend-net`, then run again |\n\
                  | short | brief | quick |\n";
        for width in [40u16, 60, 77] {
            let r = render_markdown(md, width);
            let lines = plain(&r);
            assert!(
                lines.iter().all(|l| l.width() <= width as usize),
                "{width}: {lines:?}"
            );
            let text = lines.join(" ");
            for word in [
                "backend-net",
                "not",
                "found",
                "names",
                "exist",
                "create",
                "again",
                "quick",
            ] {
                assert!(text.contains(word), "{width}: {word} missing: {lines:?}");
            }
            assert!(!text.contains('…'), "{width}: nothing cut: {lines:?}");
            assert_eq!(
                lines.iter().filter(|l| l.starts_with('├')).count(),
                2,
                "{width}: under the header and between the two rows: {lines:?}"
            );
        }
    }

    #[test]
    fn front_matter_is_not_shown() {
        let r = render_markdown("---\nid: x\n---\n# Hello\n", 30);
        assert_eq!(plain(&r), ["Hello"]);
        assert_eq!(
            title_of("---\nid: x\n---\n# Hello `world`\n").as_deref(),
            Some("Hello world")
        );
    }

    #[test]
    fn tiny_width_never_panics() {
        let md = "# A very long heading indeed\n\n> quoted **text** here\n\n- [x] done\n\n| a | b | c |\n|:-:|--:|---|\n| 1 | 2 | 3 |\n\n---\n\nword\\\nbreak ![alt](x.png) [link](http://localhost)\n";
        for w in 0..30 {
            let r = render_markdown(md, w);
            assert!(!r.lines.is_empty());
        }
    }

    /// The renderings the bounds are for: whatever the markdown, what the renderer holds stays
    /// under [`MAX_RENDERED_BYTES`], a marker line says where something was left out, and the
    /// cut is listed with its place in the markdown.
    #[test]
    fn hostile_structures_render_within_the_bound_with_a_marker() {
        let nested_lists = format!("# Deep\n\n{}x\n", "- ".repeat(100_000));
        let nested_quotes = format!("{}x\n", "> ".repeat(100_000));
        let indented: String = (0..1_000)
            .map(|i| format!("{}- item\n", "  ".repeat(i)))
            .collect();
        let wide_table = format!(
            "|{}\n|{}\n{}",
            " h |".repeat(5_000),
            "---|".repeat(5_000),
            "| a |\n".repeat(20_000)
        );
        let long_table = format!("| h | h |\n|---|---|\n{}", "| 1 | 2 |\n".repeat(50_000));
        let code = format!("```\n{}```\n", "x\n".repeat(400_000));
        let rules = "---\n\n".repeat(150_000);
        let started = std::time::Instant::now();
        for (name, md, cut) in [
            ("nested lists", &nested_lists, Some(CutKind::Nesting)),
            ("nested quotes", &nested_quotes, Some(CutKind::Nesting)),
            ("indented lists", &indented, Some(CutKind::Nesting)),
            ("wide table", &wide_table, Some(CutKind::TableColumns)),
            ("long table", &long_table, Some(CutKind::TableRows)),
            ("long code", &code, Some(CutKind::Length)),
            ("many rules", &rules, None),
        ] {
            assert!(md.len() <= 1 << 20, "{name}: {} bytes", md.len());
            for width in [10, 80, 300, u16::MAX] {
                let r = render_markdown(md, width);
                assert!(
                    r.size() <= MAX_RENDERED_BYTES,
                    "{name} at {width}: {} bytes",
                    r.size()
                );
                if let Some(cut) = &cut {
                    assert!(
                        r.cuts.iter().any(|c| &c.what == cut),
                        "{name} at {width}: {:?}",
                        r.cuts
                    );
                    assert!(
                        r.lines.iter().any(|l| l.plain().contains(CUT_MARK)),
                        "{name} at {width}: no marker"
                    );
                }
            }
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(60));

        let r = render_markdown(&nested_lists, 80);
        assert_eq!(r.cuts.len(), 1, "{:?}", r.cuts);
        // The cut points at the list that goes one level too deep.
        assert_eq!(r.cuts[0].offset, "# Deep\n\n".len() + 2 * MAX_NESTING);
        for (md, says) in [
            (
                &wide_table,
                format!("{} more columns", 5_000 - MAX_TABLE_COLUMNS),
            ),
            (
                &long_table,
                format!("{} more rows", 50_000 - MAX_TABLE_ROWS),
            ),
        ] {
            let r = render_markdown(md, 80);
            let marker = plain(&r)
                .into_iter()
                .find(|l| l.contains("table cut"))
                .expect("table marker");
            assert!(marker.contains(&says), "{marker}");
        }
    }

    #[test]
    fn content_within_the_bounds_is_not_cut() {
        let md = format!(
            "{}x\n\n| a | b |\n|---|---|\n{}",
            "- ".repeat(MAX_NESTING),
            "| 1 | 2 |\n".repeat(MAX_TABLE_ROWS)
        );
        let r = render_markdown(&md, 80);
        assert!(r.cuts.is_empty(), "{:?}", r.cuts);
        assert!(
            plain(&r).iter().any(|l| l.ends_with("• x")),
            "{:?}",
            &plain(&r)[..3]
        );
    }
}
