// Reads the rendered page as a person would; see reading.py. Returns one line per finding.
(lang) => {
  const found = [];
  const allowed = new Set(ALLOWED);
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const skipped = (el) => el.closest('[translate="no"], script, style, textarea, select, input, template');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const where = (el) => {
    const id = el.id ? '#' + el.id : '';
    const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
    return el.tagName.toLowerCase() + id + cls;
  };
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.nodeValue.replace(/\s+/g, ' ').trim();
    if (!text || !el || !visible(el) || el.closest('script, style, template')) continue;
    const say = (why) => found.push(`${why}: "${text.slice(0, 80)}" in ${where(el)}`);
    if (/Message\(|object at 0x|<[A-Za-z_.]+ object|Traceback/.test(text)) say('a Python repr');
    if (/^(None|null|undefined|NaN|-|\[\]|\{\})$/.test(text)) say('an empty value shown raw');
    if (/[{\[]\s*"[^"]+"\s*:|"[a-z_]+"\s*:\s*["\d\[{]/.test(text)) say('raw JSON');
    // A textarea holds what a person typed, as they typed it (a welcome's `{name}` is the
    // syntax ops write), like an input's value, which is no text node at all.
    if (/%\(\w+\)[sd]|\{[a-z_]+\}/.test(text) && !el.closest('textarea')) say('an unfilled placeholder');
    if (skipped(el)) continue;
    if (/^[a-z]+(?:[._][a-z0-9]+)+$/.test(text)) say('a translation key or code');
    if (lang === 'zh') {
      const latin = (text.match(/[A-Za-z][A-Za-z'’-]+/g) || []).filter((w) => !allowed.has(w));
      if (latin.length) found.push(`Latin words in Chinese (${latin.join(' ')}): "${text.slice(0, 80)}" in ${where(el)}`);
    }
  }
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth + 1) {
    found.push(`the page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window`);
  }
  // A card that does not clip still has a scroll width: its content spilling past its
  // edge (a table wider than the card) reads as cut off beside the next card.
  for (const card of document.querySelectorAll('.card')) {
    if (visible(card) && card.scrollWidth > card.clientWidth + 2) {
      found.push(`${where(card)} is overrun by ${card.scrollWidth - card.clientWidth}px of its content`);
    }
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const clips = ['auto', 'scroll', 'hidden', 'clip'].includes(style.overflowX);
    // .sr-only: hidden on purpose (a file input under its styled button).
    if (clips && el.scrollWidth > el.clientWidth + 2 && !el.closest('[data-scrolls], .sr-only')) {
      found.push(`${where(el)} cuts off ${el.scrollWidth - el.clientWidth}px of its content`);
    }
    for (const child of el.childNodes) {
      if (child.nodeType !== Node.TEXT_NODE) continue;
      const chars = [...child.nodeValue.replace(/\s+/g, '')].length;
      if (chars < 2) continue;
      const range = document.createRange();
      range.selectNodeContents(child);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      if (lines >= 2 && lines >= chars * 0.8) {
        found.push(`"${child.nodeValue.trim().slice(0, 20)}" wraps one character per line in ${where(el)}`);
      }
    }
  }
  // Form fields draw their text themselves: measure what they show against their room.
  const ruler = document.createElement('canvas').getContext('2d');
  const room = (el) => {
    const style = getComputedStyle(el);
    ruler.font = style.font;
    return el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  };
  for (const el of document.querySelectorAll('select, input[type=time], input:not([type])')) {
    if (!visible(el)) continue;
    const shown = el.tagName === 'SELECT' ? (el.selectedOptions[0] || {}).text || '' :
      el.type === 'time' ? '00:00 AM' : el.value;
    const available = room(el);
    const picker = el.type === 'time' && getComputedStyle(el, '::-webkit-calendar-picker-indicator').display !== 'none';
    const needed = ruler.measureText(shown).width + (picker ? 20 : 0);
    if (needed > available + 1) {
      found.push(`${where(el)} "${shown.slice(0, 20)}" does not fit: it needs ${Math.ceil(needed)}px, it has ${Math.floor(available)}px`);
    }
  }
  return found;
}
