// A small, safe Markdown renderer. It builds DOM nodes directly: model text only ever reaches
// the page as text nodes, and URLs pass an allow-list, so no markup or script in an answer can run.
// Covers what chat answers use: fenced code (highlighted, with a copy button), headings, lists
// (nested, task lists), blockquotes, tables, rules, paragraphs; inline code, bold, italic,
// strikethrough, links, images, autolinks, hard breaks. An unclosed fence renders as code, so a
// streaming answer looks right while it grows.

import { h, icon } from "./dom.js";
import { highlight } from "./syntax.js";

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)[^`]*$/;
const HEADING = /^ {0,3}(#{1,6})(?:\s+(.*?))?\s*#*\s*$/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const QUOTE = /^ {0,3}> ?/;
const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])(?:\s+(.*)|$)/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$/;

const isBlank = (line) => /^\s*$/.test(line);
const indentOf = (line) => line.match(/^\s*/)[0].replace(/\t/g, "    ").length;

/** True for URLs that are safe to follow or load. Images may also be data:image URIs. */
export function safeUrl(url, { image = false } = {}) {
  const u = (url || "").trim();
  if (/^(https?:|mailto:)/i.test(u)) return u;
  if (/^(\/(?!\/)|\.\/|#|\?)/.test(u)) return u;
  if (image && /^data:image\/(png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i.test(u)) return u;
  if (image && /^blob:/i.test(u)) return u;
  return null;
}

/** Render Markdown `text` to a DocumentFragment. */
export function renderMarkdown(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  appendBlocks(frag, lines, false);
  return frag;
}

function startsBlock(line, next) {
  if (FENCE.test(line) || HEADING.test(line) || RULE.test(line) || QUOTE.test(line) || LIST_ITEM.test(line)) return true;
  return next !== undefined && line.includes("|") && TABLE_SEP.test(next) && next.includes("-");
}

function appendBlocks(parent, lines, tight) {
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (isBlank(line)) {
      i++;
      continue;
    }
    let m;
    if ((m = FENCE.exec(line))) {
      const marker = m[1];
      const body = [];
      const indent = indentOf(line);
      i++;
      while (i < lines.length) {
        const l = lines[i];
        const close = l.trim();
        if (close.startsWith(marker[0].repeat(marker.length)) && /^([`~])\1*$/.test(close) && close[0] === marker[0]) {
          i++;
          break;
        }
        body.push(indent ? l.replace(new RegExp(`^ {0,${indent}}`), "") : l);
        i++;
      }
      parent.append(codeBlock(body.join("\n"), m[2]));
      continue;
    }
    if (RULE.test(line)) {
      parent.append(h("hr"));
      i++;
      continue;
    }
    if ((m = HEADING.exec(line))) {
      parent.append(inlineInto(h(`h${m[1].length}`), m[2] || ""));
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body = [];
      while (i < lines.length && QUOTE.test(lines[i])) body.push(lines[i++].replace(QUOTE, ""));
      const quote = h("blockquote");
      appendBlocks(quote, body, false);
      parent.append(quote);
      continue;
    }
    if (LIST_ITEM.test(line)) {
      i = appendList(parent, lines, i);
      continue;
    }
    if (line.includes("|") && i + 1 < lines.length && TABLE_SEP.test(lines[i + 1]) && lines[i + 1].includes("-")) {
      i = appendTable(parent, lines, i);
      continue;
    }
    // Paragraph: until a blank line or the start of another block.
    const para = [line.trimStart()]; // trailing spaces stay: two of them make a hard break
    i++;
    while (i < lines.length && !isBlank(lines[i]) && !startsBlock(lines[i], lines[i + 1])) para.push(lines[i++].trimStart());
    const textLines = para.join("\n").trimEnd();
    if (tight) parent.append(inlineInto(document.createDocumentFragment(), textLines));
    else parent.append(inlineInto(h("p"), textLines));
  }
}

function appendList(parent, lines, i) {
  const first = LIST_ITEM.exec(lines[i]);
  const baseIndent = indentOf(first[1]);
  const ordered = /\d/.test(first[2]);
  const list = ordered ? h("ol") : h("ul");
  if (ordered) {
    const start = parseInt(first[2], 10);
    if (start !== 1) list.setAttribute("start", String(start));
  }
  let loose = false;
  const items = [];
  while (i < lines.length) {
    const m = LIST_ITEM.exec(lines[i]);
    if (!m || indentOf(m[1]) !== baseIndent || /\d/.test(m[2]) !== ordered) break;
    const contentIndent = baseIndent + m[2].length + 1;
    const body = [m[3] ?? ""];
    i++;
    while (i < lines.length) {
      const l = lines[i];
      if (isBlank(l)) {
        // A blank line continues the item only if the next text is indented into it.
        let j = i + 1;
        while (j < lines.length && isBlank(lines[j])) j++;
        if (j < lines.length && indentOf(lines[j]) >= contentIndent) {
          body.push("");
          i++;
          continue;
        }
        if (j < lines.length) {
          const next = LIST_ITEM.exec(lines[j]);
          if (next && indentOf(next[1]) === baseIndent && /\d/.test(next[2]) === ordered) loose = true;
        }
        break;
      }
      const ind = indentOf(l);
      const item = LIST_ITEM.exec(l);
      if (item && ind <= baseIndent) break;
      if (ind >= baseIndent + 2) {
        body.push(l.replace(/\t/g, "    ").slice(Math.min(ind, contentIndent)));
      } else if (!item && !startsBlock(l) && !isBlank(body[body.length - 1])) {
        body.push(l.trim()); // lazy continuation of the item's paragraph
      } else break;
      i++;
    }
    items.push(body);
  }
  for (const body of items) {
    const li = h("li");
    const task = /^\[([ xX])\]\s+/.exec(body[0]);
    if (task) {
      body[0] = body[0].slice(task[0].length);
      li.className = "task";
      li.append(h("input", { type: "checkbox", disabled: true, checked: task[1] !== " ", "aria-label": "task" }), " ");
    }
    appendBlocks(li, body, !loose && !body.some(isBlank));
    list.append(li);
  }
  parent.append(list);
  return i;
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells = [];
  let cell = "";
  let code = false;
  for (let k = 0; k < row.length; k++) {
    const ch = row[k];
    if (ch === "\\" && row[k + 1] === "|") {
      cell += "|";
      k++;
    } else if (ch === "`") {
      code = !code;
      cell += ch;
    } else if (ch === "|" && !code) {
      cells.push(cell.trim());
      cell = "";
    } else cell += ch;
  }
  cells.push(cell.trim());
  return cells;
}

function appendTable(parent, lines, i) {
  const head = splitRow(lines[i]);
  const aligns = splitRow(lines[i + 1]).map((c) =>
    c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : null,
  );
  i += 2;
  const cell = (tag, text, k) => {
    const el = inlineInto(h(tag), text);
    if (aligns[k]) el.style.textAlign = aligns[k];
    return el;
  };
  const thead = h("thead", {}, h("tr", {}, head.map((c, k) => cell("th", c, k))));
  const tbody = h("tbody");
  while (i < lines.length && !isBlank(lines[i]) && lines[i].includes("|")) {
    const cells = splitRow(lines[i++]);
    tbody.append(h("tr", {}, head.map((_, k) => cell("td", cells[k] ?? "", k))));
  }
  parent.append(h("div", { class: "table-wrap" }, h("table", {}, thead, tbody)));
  return i;
}

function codeBlock(code, lang) {
  const language = (lang || "").replace(/[^\w+#.-]/g, "").slice(0, 30);
  const codeEl = h("code", language ? { class: `language-${language}`, "data-lang": language } : {});
  codeEl.append(highlight(code, language));
  return h(
    "div",
    { class: "code-block" },
    h(
      "div",
      { class: "code-head" },
      h("span", { class: "code-lang", text: language || "text" }),
      h("button", { type: "button", class: "code-copy", "aria-label": "Copy code", title: "Copy code" }, icon("copy"), h("span", { text: "Copy" })),
    ),
    h("pre", {}, codeEl),
  );
}

// ---- inline ------------------------------------------------------------------------------

// A link target: no spaces; parentheses only in balanced pairs (Wikipedia-style URLs).
const URL_BODY = String.raw`(?:[^\s()<>]|\([^\s()<>]*\))+`;
const INLINE_RULES = [
  ["escape", /^\\([!-/:-@[-`{-~])/],
  ["code", /^(`+)(?!`)([\s\S]*?[^`])\1(?!`)/],
  ["image", new RegExp(String.raw`^!\[([^\]\n]*)\]\(\s*<?(${URL_BODY})>?(?:\s+["']([^"'\n]*)["'])?\s*\)`)],
  ["link", new RegExp(String.raw`^\[((?:[^[\]\n]|\[[^\]\n]*\])*)\]\(\s*<?(${URL_BODY})>?(?:\s+["']([^"'\n]*)["'])?\s*\)`)],
  ["autolink", /^<((?:https?:\/\/|mailto:)[^\s<>]+)>/],
  ["url", /^https?:\/\/[^\s<]*[^\s<.,:;"')\]!?*_~]/],
  ["strong", /^(\*\*|__)(?=\S)([\s\S]*?\S)\1(?![*_])/],
  ["strike", /^~~(?=\S)([\s\S]*?\S)~~/],
  ["em", /^\*(?=[^\s*])([\s\S]*?[^\s*])\*(?!\*)|^_(?=[^\s_])([\s\S]*?[^\s_])_(?![\w])/],
  ["break", /^(?: {2,}|\\)\n/],
];
const PLAIN = /^[^\\`!\[<*_~\nh ]+/;

/** Parse inline Markdown `text` into `parent`; returns `parent`. */
export function inlineInto(parent, text, depth = 0) {
  let rest = text;
  let buffer = "";
  const flush = () => {
    if (buffer) parent.append(document.createTextNode(buffer));
    buffer = "";
  };
  while (rest) {
    let matched = false;
    const prev = buffer.slice(-1);
    for (const [name, re] of INLINE_RULES) {
      if (name === "em" && rest[0] === "_" && /\w/.test(prev)) continue; // snake_case stays text
      if (name === "url" && /\w/.test(prev)) continue;
      const m = re.exec(rest);
      if (!m) continue;
      const node = inlineNode(name, m, depth);
      if (node === undefined) continue;
      flush();
      if (typeof node === "string") buffer += node;
      else parent.append(node);
      rest = rest.slice(m[0].length);
      matched = true;
      break;
    }
    if (matched) continue;
    const plain = PLAIN.exec(rest);
    const take = plain ? plain[0].length : 1;
    buffer += rest.slice(0, take);
    rest = rest.slice(take);
  }
  flush();
  return parent;
}

function inlineNode(name, m, depth) {
  const nested = (el, text) => (depth > 8 ? (el.append(text), el) : inlineInto(el, text, depth + 1));
  switch (name) {
    case "escape":
      return m[1];
    case "code": {
      const body = m[2].length > 2 && m[2].startsWith(" ") && m[2].endsWith(" ") ? m[2].slice(1, -1) : m[2];
      return h("code", { text: body.replace(/\n/g, " ") });
    }
    case "image": {
      const src = safeUrl(m[2], { image: true });
      if (!src) return `[image: ${m[1] || "blocked"}]`;
      return h("img", { src, alt: m[1] || "image", title: m[3] || null, loading: "lazy", class: "md-image" });
    }
    case "link": {
      const href = safeUrl(m[2]);
      if (!href) return nested(h("span"), m[1]);
      return nested(h("a", { href, title: m[3] || null, target: "_blank", rel: "noopener noreferrer" }), m[1]);
    }
    case "autolink":
    case "url": {
      const url = name === "url" ? m[0] : m[1];
      const href = safeUrl(url);
      if (!href) return url;
      return h("a", { href, target: "_blank", rel: "noopener noreferrer", text: url.replace(/^mailto:/, "") });
    }
    case "strong":
      return nested(h("strong"), m[2]);
    case "strike":
      return nested(h("del"), m[1]);
    case "em":
      return nested(h("em"), m[1] ?? m[2]);
    case "break":
      return h("br");
    default:
      return undefined;
  }
}
