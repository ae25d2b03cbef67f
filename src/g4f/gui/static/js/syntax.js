// A small syntax highlighter: one tokenizing regex per language family, output as DOM spans.
// It colours comments, strings, numbers, keywords, literals and function names; that is
// most of the readability benefit for a fraction of a full grammar.

const C_LIKE_KW =
  "break case catch class const continue default delete do else enum export extends finally for function if " +
  "import in instanceof let new return static super switch this throw try typeof var void while with yield " +
  "async await of from as interface type implements package private protected public readonly abstract " +
  "struct union unsigned signed int long short char float double bool auto goto sizeof namespace using " +
  "template typename virtual override final fn impl trait mut pub use mod crate match loop where dyn " +
  "func go defer chan map range select fallthrough var val fun object when is";
const PY_KW =
  "and as assert async await break class continue def del elif else except finally for from global if " +
  "import in is lambda nonlocal not or pass raise return try while with yield match case self print";
const SH_KW =
  "if then else elif fi for while until do done case esac in function return exit export local readonly " +
  "echo cd set unset source alias sudo apt pip npm cat grep sed awk curl git make";
const SQL_KW =
  "select from where insert into values update set delete create table drop alter add index primary key " +
  "foreign references join left right inner outer full on group by order having limit offset as and or " +
  "not null is in like between distinct union all case when then else end default unique view";
const LITERALS = "true false null undefined None True False nil NaN Infinity";

const words = (s) => new Set(s.split(/\s+/).filter(Boolean));

// Each family: the comment and string alternatives, and its keyword set.
const FAMILIES = {
  c: {
    comment: String.raw`\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)`,
    string: String.raw`"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?|\x60(?:\\[\s\S]|[^\x60\\])*\x60?`,
    keywords: words(C_LIKE_KW),
  },
  python: {
    comment: String.raw`#[^\n]*`,
    string: String.raw`[rbfuRBFU]{0,2}(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?)`,
    keywords: words(PY_KW),
  },
  shell: {
    comment: String.raw`(?:^|(?<=\s))#[^\n]*`,
    string: String.raw`"(?:\\[\s\S]|[^"\\])*"?|'[^']*'?`,
    keywords: words(SH_KW),
  },
  sql: {
    comment: String.raw`--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)`,
    string: String.raw`'(?:''|[^'])*'?|"(?:""|[^"])*"?`,
    keywords: words(SQL_KW),
    caseless: true,
  },
  markup: {
    comment: String.raw`<!--[\s\S]*?(?:-->|$)`,
    string: String.raw`"[^"]*"?|'[^']*'?`,
    keywords: new Set(),
    tags: true,
  },
  css: {
    comment: String.raw`\/\*[\s\S]*?(?:\*\/|$)`,
    string: String.raw`"(?:\\[\s\S]|[^"\\\n])*"?|'(?:\\[\s\S]|[^'\\\n])*'?`,
    keywords: words("important media import from to and not only screen"),
  },
  yaml: {
    comment: String.raw`(?:^|(?<=\s))#[^\n]*`,
    string: String.raw`"(?:\\[\s\S]|[^"\\\n])*"?|'[^'\n]*'?`,
    keywords: new Set(),
  },
};

const ALIASES = {
  js: "c", javascript: "c", jsx: "c", ts: "c", typescript: "c", tsx: "c", json: "c", java: "c", c: "c",
  "c++": "c", cpp: "c", h: "c", hpp: "c", cs: "c", csharp: "c", go: "c", golang: "c", rust: "c", rs: "c",
  kotlin: "c", kt: "c", swift: "c", php: "c", scala: "c", dart: "c",
  py: "python", python: "python", python3: "python", ruby: "python", rb: "python",
  sh: "shell", bash: "shell", zsh: "shell", shell: "shell", console: "shell", powershell: "shell", ps1: "shell",
  sql: "sql", mysql: "sql", postgres: "sql", sqlite: "sql",
  html: "markup", xml: "markup", svg: "markup", vue: "markup",
  css: "css", scss: "css", less: "css",
  yaml: "yaml", yml: "yaml", toml: "yaml", ini: "yaml",
};

const compiled = new Map();

function tokenizer(family) {
  if (compiled.has(family)) return compiled.get(family);
  const f = FAMILIES[family];
  const parts = [
    `(?<com>${f.comment})`,
    `(?<str>${f.string})`,
    f.tags ? String.raw`(?<tag></?[A-Za-z][\w:-]*|/?>)` : null,
    f.tags ? String.raw`(?<attr>[A-Za-z_:][\w:.-]*(?==))` : null,
    String.raw`(?<num>\b(?:0[xX][\da-fA-F_]+|0[bB][01_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)\b)`,
    String.raw`(?<word>[A-Za-z_$][\w$]*)`,
  ].filter(Boolean);
  const re = new RegExp(parts.join("|"), "gm");
  const entry = { re, f };
  compiled.set(family, entry);
  return entry;
}

export function familyOf(lang) {
  return ALIASES[(lang || "").toLowerCase()] || null;
}

const LITERAL_SET = words(LITERALS);

/** Highlight `code` as `lang`; returns a DocumentFragment of text nodes and <span class="tok-*">. */
export function highlight(code, lang) {
  const frag = document.createDocumentFragment();
  const family = familyOf(lang);
  if (!family || code.length > 200_000) {
    frag.append(document.createTextNode(code));
    return frag;
  }
  const { re, f } = tokenizer(family);
  re.lastIndex = 0;
  let last = 0;
  const span = (cls, text) => {
    const s = document.createElement("span");
    s.className = cls;
    s.textContent = text;
    return s;
  };
  for (let m = re.exec(code); m; m = re.exec(code)) {
    if (m[0] === "") {
      re.lastIndex++;
      continue;
    }
    const g = m.groups;
    let cls = null;
    if (g.com !== undefined) cls = "tok-com";
    else if (g.str !== undefined) cls = "tok-str";
    else if (g.tag !== undefined) cls = "tok-tag";
    else if (g.attr !== undefined) cls = "tok-attr";
    else if (g.num !== undefined) cls = "tok-num";
    else if (g.word !== undefined) {
      const w = g.word;
      if (LITERAL_SET.has(w)) cls = "tok-lit";
      else if (f.keywords.has(f.caseless ? w.toLowerCase() : w)) cls = "tok-kw";
      else if (code[m.index + w.length] === "(") cls = "tok-fn";
    }
    if (!cls) continue;
    if (m.index > last) frag.append(document.createTextNode(code.slice(last, m.index)));
    frag.append(span(cls, m[0]));
    last = m.index + m[0].length;
  }
  if (last < code.length) frag.append(document.createTextNode(code.slice(last)));
  return frag;
}
